"""`make bench`: one run on this machine, one report (printed, and written to bench/report.md).

    .venv/bin/python bench/run.py

The header says what machine and versions the figures come from; then page weights (bench/page_weight.py),
time until the form is usable on a slow phone (bench/browser_timing.py), and throughput and latency under load on
SQLite and PostgreSQL (bench/load.py), and one full run of the calendar's jobs at 500,000 applications on both
(bench/calendar_run.py). A part that cannot run says "not available" and why; the others go on.
"""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

REPORT = BENCH / "report.md"
SECTIONS = [  # (title, module whose run() returns the section's Markdown)
    ("Page weight", "page_weight"),
    ("Time until the form is usable (3G, 4× CPU slowdown, 360×640)", "browser_timing"),
    ("CPU per request at 5k / 50k / 500k applications", "cpu_profile"),
    ("Throughput and latency under load", "load"),
    ("SMS handed to the gateway by one worker", "sms_throughput"),
    ("One full calendar run at 500,000 applications", "calendar_run"),
]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def postgres_version() -> str:
    from common import ensure_database
    from load import POSTGRES_URL
    try:
        import sqlalchemy as sa
        ensure_database(POSTGRES_URL)
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar_one()
        engine.dispose()
        return version
    except Exception as error:  # noqa: BLE001 - the header says so; the load section reports it too
        return f"not reachable ({type(error).__name__})"


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def header() -> str:
    return "\n".join([
        "# Bastau benchmark report",
        "",
        "Written by `make bench` (bench/run.py); figures from one run on the machine below, which may be shared "
        "with other work: compare runs on the same machine only.",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores; load average at the start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres_version()}",
        f"- git commit: {git_commit()}",
        "",
    ])


def section(title: str, module: str) -> str:
    """The section's Markdown from `module.run()`, or what went wrong: one broken part never stops the rest."""
    print(f"\n== {title} ({module}.py)", flush=True)
    started = time.perf_counter()
    try:
        body = __import__(module).run()
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        body = f"not available: {type(error).__name__}: {error}"
    print(f"== {title}: {time.perf_counter() - started:.0f} s", flush=True)
    body = body.strip()
    return (body if body.startswith("## ") else f"## {title}\n\n{body}") + "\n"  # a part may bring its own title


def main() -> None:
    started = time.perf_counter()
    parts = [header()] + [section(title, module) for title, module in SECTIONS]
    parts.append(f"_The whole run took {time.perf_counter() - started:.0f} s._\n")
    report = "\n".join(parts)
    REPORT.write_text(report)
    print("\n" + report)
    print(f"written to {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
