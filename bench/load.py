"""Throughput and latency under 50 concurrent clients, on gunicorn, for SQLite and PostgreSQL.

    .venv/bin/python bench/load.py                  # both databases; prints the Markdown tables
    .venv/bin/python bench/load.py sqlite           # one of them

For each database: seed it (bench/seed.py), serve Bastau with gunicorn (sync workers, 2 × cores + 1), and run
wrk (`-t2 -c50 -d10s --latency`) against each page; a bare Flask "hello" (bench/hello.py) served the same way
in the same run is the ceiling every figure is divided by. Scripts for wrk are in bench/wrk/.

Every wrk client comes from 127.0.0.1, so the per-address rate limits are raised through their environment
variables (STATUS_LOOKUP_LIMIT, LOGIN_LIMIT, SUBMIT_LIMIT, DUPLICATE_CHECK_LIMIT); the per-reference limit of
the status look-up (20 an hour) stays, and the look-ups spread over 1,000 references with known access codes.
"""
from __future__ import annotations

import html
import http.cookiejar
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

WRK = shutil.which("wrk")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's advice for sync workers
THREADS, CONNECTIONS = 2, 50
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARM_UP = 2  # seconds of the same load before each measured run: workers import templates on first use
TIMEOUT = 10  # seconds; wrk counts a slower answer as a timeout (an error) and leaves it out of the latencies
GOAL_P95_MS = 250  # issue 18: with 50 clients and no pause; the fixed-rate run has its own goal (50 ms)
GOAL_RATIO = {"sqlite": {"content": 0.5, "database": 0.09}, "postgresql": {"content": 0.5, "database": 0.07}}
PREDICTION_TOLERANCE = 0.25  # |wrk ÷ predicted − 1| ≤ 0.25
# bench/cpu_profile.py's page behind each row here (its 50k figures, the size seed.py gives this run)
PROFILED = {"start page (GET /)": "start page (new visitor)",
            "status look-up (POST /status)": "status look-up (right code)",
            "officer's queue (GET /centre/)": "officer's queue",
            "application submission (POST /apply/submit)": "application submission",
            "national dashboard (GET /dashboard)": "national dashboard"}
RELAXED = "1000000 per minute"
SESSIONS = 50  # distinct applicant or staff sessions the requests take turns with
ACCEPT_ENCODING = "gzip, deflate, br"  # as bench/page_weight.py: pages are measured compressed, as they travel
SUBMISSIONS, WARM_UP_SUBMISSIONS = 1_500, 150  # applicants prepared for the submission run and its warm-up
_iin_blocks = itertools.count()
_scratch: list[Path] = []  # the run's folder for the SQLite database, logs and request files; run() removes it


def scratch() -> Path:
    if not _scratch:
        _scratch.append(Path(tempfile.mkdtemp(prefix="bench-load-")))
    return _scratch[0]
COOKIE = "bastau_session"


@dataclass
class Result:
    name: str
    kind: str  # "content" | "database" | "ceiling"
    figures: dict
    note: str = ""
    replay: str = ""  # the requests file wrk replayed, for the fixed-rate run
    fixed: dict | None = None

    @property
    def rate(self) -> float:
        return self.figures["requests"] / (self.figures["duration_us"] / 1e6)

    @property
    def errors(self) -> int:
        f = self.figures
        return (f["status_errors"] + f["connect_errors"] + f["read_errors"] + f["write_errors"] + f["timeouts"]
                + f.get("journeys_failed", 0))

    @property
    def timed(self) -> bool:
        """False when no answer came within the timeout: wrk then has no latencies at all."""
        return self.figures["p50_us"] > 0

    def ms(self, percentile: int) -> float:
        return self.figures[f"p{percentile}_us"] / 1000

    def shown_ms(self, percentile: int) -> str:
        return f"{self.ms(percentile):.1f}" if self.timed else f"> {TIMEOUT * 1000:,}"


def parse_wrk(output: str) -> dict:
    """The figures bench/wrk/report.lua prints as one JSON line at the end of wrk's own output."""
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise ValueError("wrk printed no BENCH_JSON line (did the script load bench/wrk/report.lua?):\n" + output)


def run_wrk(url: str, script: str = "report.lua", args: tuple = (), seconds: int = DURATION,
            connections: int = CONNECTIONS) -> dict:
    command = [WRK, f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", f"{TIMEOUT}s",
               "-H", f"Accept-Encoding: {ACCEPT_ENCODING}",
               "-s", str(BENCH / "wrk" / script), url]
    if args:
        command += ["--", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# ---- The servers ----

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


GUNICORN_CONF = ROOT / "gunicorn.conf.py"  # the production settings; hello gets the same


class Server:
    """gunicorn serving `module` (e.g. "app:app") from `folder` with the production settings, until stopped."""

    def __init__(self, module: str, folder: Path, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log", dir=scratch(), delete=False)
        config = ["--config", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else []
        command = [sys.executable, "-m", "gunicorn", *config, "--workers", str(WORKERS), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--chdir", str(folder), "--log-level", "warning",
                   "--backlog", "2048", module]
        self.process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_it_answers()

    def _wait_until_it_answers(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.base}:\n{Path(self.log.name).read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def bastau_env(database_url: str, redis_url: str | None) -> dict:
    # Every wrk client comes from 127.0.0.1: the per-address limits would pause the run after a few dozen requests
    # (the duplicate check's 30 an hour sent every submission back to "check your answers"). Per-IIN and
    # per-reference limits stay.
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key", "STATUS_LOOKUP_LIMIT": RELAXED,
           "LOGIN_LIMIT": RELAXED, "SUBMIT_LIMIT": RELAXED, "DUPLICATE_CHECK_LIMIT": RELAXED,
           "PLAN_STORAGE": tempfile.mkdtemp(prefix="plans-", dir=scratch())}
    return env | ({"REDIS_URL": redis_url} if redis_url else {})


def fresh_redis() -> str | None:
    """The Redis database for the rate-limit counters, emptied (an earlier run's counters would refuse this run's
    look-ups); None without Redis: each worker then counts in its own memory, and the report says so."""
    import redis
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as error:
        print(f"  no Redis at {REDIS_URL} ({error}): rate limits counted in memory", flush=True)
        return None
    return REDIS_URL


# ---- Sessions, fetched the way a browser gets them ----

class Browser:
    """urllib with a cookie jar: the session cookie and the CSRF token of a page."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.read().decode()

    def csrf_token(self, path: str) -> str:
        return csrf_token_in(self.get(path))

    @property
    def cookie(self) -> str:
        return next(f"{c.name}={c.value}" for c in self.jar if c.name == COOKIE)


def csrf_token_in(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
    if found is None:
        raise ValueError("no CSRF token on the page")
    return html.unescape(found.group(1))


def signed_in(base: str, username: str, password: str) -> Browser:
    browser = Browser(base)
    token = browser.csrf_token("/staff/login")
    browser.post("/staff/login", {"login": username, "password": password, "csrf_token": token})
    return browser


def write_requests(lines: list[tuple[str, str, str, str]]) -> str:
    """The file bench/wrk/replay.lua takes turns with: METHOD, PATH, COOKIE, BODY separated by tabs."""
    handle = tempfile.NamedTemporaryFile("w", prefix="requests-", suffix=".tsv", dir=scratch(), delete=False)
    with handle:
        for line in lines:
            handle.write("\t".join(line) + "\n")
    return handle.name


def replay(lines: list[tuple[str, str, str, str]]) -> tuple[str, tuple]:
    """wrk's script and arguments to send `lines` in turn, each of its threads starting on its own share of them
    (so that prepared journeys, each meant to be sent once, are not sent by two threads at once)."""
    return "replay.lua", (write_requests(lines), str(THREADS))


# ---- The scenarios: each returns the script and its arguments for wrk ----

def status_lookups(base: str, info) -> tuple[str, tuple]:
    """POST /status with a valid reference, IIN and access code; 50 applicant sessions with their tokens."""
    sessions = []
    for _ in range(SESSIONS):
        browser = Browser(base)
        sessions.append((browser, browser.csrf_token("/status")))
    lines = []
    for n, (reference, iin, code) in enumerate(info.lookups):
        browser, token = sessions[n % len(sessions)]
        body = urllib.parse.urlencode({"reference": reference, "iin": iin, "access_code": code, "csrf_token": token})
        lines.append(("POST", "/status", browser.cookie, body))
    return replay(lines)


def fresh_iins(block: int):
    """Valid, distinct IINs of adults born from 1985 on (bench/seed.py's people are born before 1985), a block of
    serial numbers per call (0 to 8), so the runs against one database never repeat an IIN."""
    from datetime import date, timedelta
    from bastau import rules
    seen: set[str] = set()
    for k in itertools.count():
        # a block's own thousand of serial numbers (the last 100 left free: compose_iin moves past a serial
        # without a check digit to the next one), 900 a day of birth
        iin = rules.compose_iin(date(1985, 1, 1) + timedelta(days=k // 900), "female", block * 1000 + 1 + k % 900)
        if iin not in seen:  # two k can meet on the serial compose_iin moved to
            seen.add(iin)
            yield iin


def submissions(base: str, info, count: int) -> tuple[str, tuple]:
    """`count` applicants, each with a new valid IIN, walked up to "check your answers" (GET /apply, POST /apply,
    following the redirect, as a browser does) before wrk starts; wrk then sends each one's POST /apply/submit,
    which creates the application. Prepared beforehand because the session cookie changes on the way: a visitor
    who has typed nothing has a cookie-only session, and the first typed form gives it a server-side row and a new
    cookie, which wrk's Lua cannot tie back to the journey (responses carry no request). Each line is sent once
    while there are more lines than requests; a second sending answers with the receipt again, not an error."""
    fields = {"surname": "Сәрсенбаева", "first_name": "Әйгерім", "patronymic": "Қанатқызы",
              "phone": "+7 701 234 56 78", "region": str(info.home_region), "district": str(info.home_district),
              "social_status": "unemployed", "education": "secondary", "business_idea": "Ауылда тігін цехын ашу",
              "channel": "akimat", "consent": "y"}
    iins = fresh_iins(next(_iin_blocks))
    lines = []
    for _ in range(count):
        browser = Browser(base)
        token = browser.csrf_token("/apply")
        check_page = browser.post("/apply", fields | {"iin": next(iins), "csrf_token": token})
        lines.append(("POST", "/apply/submit", browser.cookie,
                      urllib.parse.urlencode({"csrf_token": csrf_token_in(check_page)})))
    return replay(lines)


def staff_pages(base: str, username: str, password: str, path: str, sessions: int = 4) -> tuple[str, tuple]:
    """GET `path` with one of a few signed-in sessions of the same account (several tabs, several desks)."""
    lines = [("GET", path, signed_in(base, username, password).cookie, "") for _ in range(sessions)]
    return replay(lines)


def attendance_saves(base: str, info) -> tuple[str, tuple]:
    """Each of four trainers saves today's register (one participant's mark flips between saves, so each save
    writes), then gets the page the save redirects to, as a browser does: that page shows the "saved" message,
    which would otherwise pile up in the session."""
    lines = []
    for trainer in info.trainers:
        for _session in range(3):
            browser = signed_in(base, trainer.username, info.password)
            token = browser.csrf_token(f"/trainer/days/{trainer.day_id}")
            for flipped in ("present", "absent"):
                marks = {f"m{pid}": "present" for pid in trainer.participants[1:]}
                marks[f"m{trainer.participants[0]}"] = flipped
                body = urllib.parse.urlencode(marks | {"delivered": "y", "csrf_token": token})
                lines.append(("POST", f"/trainer/days/{trainer.day_id}", browser.cookie, body))
                lines.append(("GET", f"/trainer/cohorts/{trainer.cohort_id}", browser.cookie, ""))
    return replay(lines)


def count_applications(database_url: str) -> int:
    """All applications: only the submission run adds any while it is measured."""
    import sqlalchemy as sa
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM application")).scalar_one()
    finally:
        engine.dispose()


# ---- A fixed request rate (open loop, bench/fixed_rate.py) ----

FIXED_SHARE = 0.6  # of the rate wrk measured
GOAL_FIXED_P95_MS = 50
# seconds between wrk's run and the fixed-rate one: gunicorn still answers the requests wrk left in its queue
# (50 pages, up to half a second), which the first fixed-rate requests would wait behind
DRAIN = 2


def fixed_rate(base: str, requests_file: str, rate: float, seconds: int = DURATION) -> dict:
    """The requests wrk replayed, at a fixed total of `rate` a second on a timetable: achieved rate, p95, failures."""
    import asyncio

    from fixed_rate import send_at_rate
    lines = [tuple(line.rstrip("\n").split("\t")) for line in open(requests_file, encoding="utf-8")]
    address = urllib.parse.urlsplit(base)
    return asyncio.run(send_at_rate(address.hostname, address.port, lines, rate, seconds))


def fixed_rate_section(results: list[Result], database: str) -> str:
    runs = [r for r in results if r.fixed]
    if not runs:
        return ""
    lines = ["", f"At a fixed rate: {FIXED_SHARE:.0%} of the rate wrk measured, the same requests sent on a timetable for "
             f"{DURATION} s (bench/fixed_rate.py: request i at i ÷ rate seconds whatever the answers before it take, "
             "each on its own connection, its time counted from when it was due). Before, locust's "
             "constant_throughput users waited for their answers and fell in step, so the rate came as bursts.",
             "", f"| page | target /s | achieved /s | p95 ms | failures | p95 ≤ {GOAL_FIXED_P95_MS} ms |",
             "|---|---:|---:|---:|---:|---|"]
    for r in runs:
        f = r.fixed
        if "error" in f:
            lines.append(f"| {r.name} | — | — | — | — | not available: {f['error']} |")
            continue
        ok = "met" if f["p95_ms"] <= GOAL_FIXED_P95_MS and not f["failures"] else "**missed**"
        lines.append(f"| {r.name} | {f['target']:,.0f} | {f['rate']:,.0f} | {f['p95_ms']:.0f} | {f['failures']:,} "
                     f"| {ok} |")
    return "\n".join(lines) + "\n"


# ---- One database ----

def measure(base: str, name: str, kind: str, script: str = "report.lua", args: tuple = (), path: str = "/") -> Result:
    print(f"  {name} ...", flush=True)
    run_wrk(base + path, script, args, seconds=WARM_UP, connections=10)
    result = Result(name, kind, run_wrk(base + path, script, args), replay=args[0] if script == "replay.lua" else "")
    if result.replay and name in PROFILED:
        time.sleep(DRAIN)
        try:
            result.fixed = fixed_rate(base, result.replay, FIXED_SHARE * result.rate)
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as error:
            result.fixed = {"error": f"{type(error).__name__}: {str(error)[:120]}"}
    return result


def hello_result() -> Result:
    with Server("hello:app", BENCH) as hello:
        return measure(hello.base, 'bare Flask "hello" (ceiling)', "ceiling")


def load_database(database_url: str) -> tuple[object, list[Result]]:
    from seed import seed

    from bastau.clock import today as kazakhstan_today
    print(f"seeding {database_url.split(':')[0]} ...", flush=True)
    info = seed(database_url)
    print(f"  {info.applications:,} applications, {info.cohorts:,} cohorts, {info.marks:,} marks "
          f"in {info.seconds:.1f} s", flush=True)
    results = [hello_result()]
    redis_url = fresh_redis()
    with Server("app:app", ROOT, bastau_env(database_url, redis_url)) as server:
        base = server.base
        results.append(measure(base, "start page (GET /)", "content"))
        results.append(measure(base, "status look-up (POST /status)", "database", *status_lookups(base, info)))
        run_wrk(base + "/", *submissions(base, info, WARM_UP_SUBMISSIONS), seconds=WARM_UP, connections=10)
        print("  application submission: preparing the applicants ...", flush=True)
        prepared = submissions(base, info, SUBMISSIONS)
        created_before = count_applications(database_url)
        print("  application submission ...", flush=True)
        figures = run_wrk(base + "/", *prepared)
        created = count_applications(database_url) - created_before
        seconds = figures["duration_us"] / 1e6
        # An answer without a new application (a pause, a refusal) is a 302 too: count it as a failed journey.
        figures["journeys_failed"] = max(0, min(figures["requests"], SUBMISSIONS) - created)
        results.append(Result(
            "application submission (POST /apply/submit)", "database", figures,
            note=f"{created:,} applications created in the database in {seconds:.0f} s ({created / seconds:.0f}/s) "
                 f"of {SUBMISSIONS:,} applicants prepared"))
        results.append(measure(base, "officer's queue (GET /centre/)", "database",
                               *staff_pages(base, info.officer, info.password, "/centre/")))
        results.append(measure(base, "trainer's attendance save (POST + redirected page)", "database",
                               *attendance_saves(base, info)))
        year = kazakhstan_today().year
        results.append(measure(base, "national dashboard (GET /dashboard)", "database",
                               *staff_pages(base, info.admin, info.password, f"/dashboard?year={year}")))
    return info, results


# ---- The report ----

def predicted_rates(database: str, size: int = 50_000) -> dict[str, float]:
    """Requests/s the CPU profile predicts per page (bench/cpu_profile.py's model), {} without a profile."""
    from cpu_profile import RESULTS
    try:
        pages = json.loads(RESULTS.read_text())[database][str(size)]["pages"]
    except (OSError, KeyError, ValueError):
        return {}
    return {m["name"]: m["predicted_rate"] for m in pages}


def prediction(result: Result, predicted: dict[str, float]) -> str:
    """The predicted rate and whether wrk came within 25 % of it."""
    rate = predicted.get(PROFILED.get(result.name, ""))
    if rate is None:
        return "—"
    within = abs(result.rate / rate - 1) <= PREDICTION_TOLERANCE
    return f"{rate:,.0f} ({'within 25 %' if within else '**off by more than 25 %**'})"


def verdict(result: Result, hello: Result, database: str = "sqlite") -> tuple[str, str]:
    if result.kind == "ceiling":
        return "", ""
    p95 = "met" if result.timed and result.ms(95) <= GOAL_P95_MS else "**missed**"
    goal = GOAL_RATIO[database][result.kind]
    ratio = "met" if result.rate / hello.rate >= goal else "**missed**"
    return p95, f"{ratio} (≥ {goal}×)"


def table(results: list[Result], database: str = "sqlite", predicted: dict[str, float] | None = None) -> str:
    hello = results[0]
    lines = [f"| page | requests/s | × hello | p50 ms | p95 ms | p99 ms | errors | p95 ≤ {GOAL_P95_MS} ms | throughput "
             "| predicted /s (CPU profile, 50k) |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for r in results:
        p95, ratio = verdict(r, hello, database)
        errors = f"**{r.errors:,}**" if r.errors else "0"
        lines.append(f"| {r.name} | {r.rate:,.0f} | {r.rate / hello.rate:.2f} | {r.shown_ms(50)} | {r.shown_ms(95)} "
                     f"| {r.shown_ms(99)} | {errors} | {p95} | {ratio} | {prediction(r, predicted or {})} |")
    notes = [f"- {r.name}: {r.note}" for r in results if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def section(label: str, database_url: str) -> str:
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    try:
        info, results = load_database(database_url)
    except Exception as error:  # noqa: BLE001 - the report says what failed and goes on with the other database
        return f"### {label}\n\nnot available: {type(error).__name__}: {error}\n"
    return (f"### {label}\n\n{info.applications:,} applications in {info.districts} districts, "
            f"{info.cohorts:,} cohorts, {info.marks:,} attendance marks (seeded in {info.seconds:.0f} s).\n\n"
            f"{table(results, database, predicted_rates(database))}\n"
            + fixed_rate_section(results, database))


def run(databases: tuple[str, ...] = ("sqlite", "postgresql")) -> str:
    """The load section of the report, as Markdown."""
    if WRK is None:
        return "not available: wrk is not installed (Debian: `apt-get install -y wrk`)"
    parts = [f"{CONNECTIONS} concurrent clients (`wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s`, no pause between "
             f"requests), gunicorn with {WORKERS} sync workers (2 × cores + 1) and the rest of gunicorn.conf.py "
             "(a worker is replaced after about 10,000 requests; one JSON log line per request). "
             "Every wrk client comes from 127.0.0.1, so the per-address rate limits are raised for this run "
             "(STATUS_LOOKUP_LIMIT, LOGIN_LIMIT, SUBMIT_LIMIT, DUPLICATE_CHECK_LIMIT); the status look-ups spread "
             "over 1,000 references because of the per-reference limit (20 an hour), which stays. Each row: "
             f"{WARM_UP} s warm-up, then {DURATION} s measured. Goals (issue 18): p95 ≤ {GOAL_P95_MS} ms; requests/s ≥ 0.5× "
             "hello for content pages, for database-backed ones ≥ 0.09× on SQLite and ≥ 0.07× on PostgreSQL; wrk "
             "within 25 % of the rate bench/cpu_profile.py predicts at 50k (2 cores ÷ (CPU s + 0.0004)); at a fixed "
             f"{FIXED_SHARE:.0%} of the measured rate, p95 ≤ {GOAL_FIXED_P95_MS} ms. Errors: non-2xx/3xx answers, socket "
             "errors and timeouts, and for the application journeys those that ended without a receipt.\n"]
    try:
        if "sqlite" in databases:
            parts.append(section("SQLite (a file, WAL)", f"sqlite:///{scratch() / 'load.sqlite'}"))
        if "postgresql" in databases:
            parts.append(section(f"PostgreSQL ({POSTGRES_URL.split('@')[-1]})", POSTGRES_URL))
    finally:
        if _scratch:
            shutil.rmtree(_scratch.pop(), ignore_errors=True)
    return "\n".join(parts)


if __name__ == "__main__":
    print(run(tuple(sys.argv[1:]) or ("sqlite", "postgresql")))
