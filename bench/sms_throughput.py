"""SMS throughput (issue 13): messages handed to the local test gateway per second by one worker.

    .venv/bin/python bench/sms_throughput.py [MESSAGES]      # SQLite and PostgreSQL; prints the report's section

A local server on 127.0.0.1 answers as Mobizon does (a message id, code 0) at once and counts the requests it
gets; the app talks to it through the real back end (SMS_GATEWAY=mobizon, SMS_API_URL). The outbox is seeded with
MESSAGES receipts written by `queue` (urgent, so quiet hours do not hold them; one phone each, so the daily cap
cancels none), then one worker drains it as the Huey task does: `run_job(sms_delivery)` in an app context, again and
again until no message is left queued. Each run hands over at most SMS_BATCH messages, each claimed and committed
before the hand-over and its answer recorded after (bastau/sms/outbox.py). The time is the sum of the runs (a
worker waits a minute between runs; the bench does not); the server's counts prove there was no second send.

Bounded: at most MAX_RUNS_SLACK runs more than the batches needed, DEADLINE seconds of runs, a 5-second gateway
timeout, and the server listens on loopback only. Not a test: it measures (tests/test_bench_tools.py runs it small).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bastau.database import writing  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.jobs import BY_NAME, run_job  # noqa: E402
from bastau.models import Application, District, SmsMessage, SmsState, utcnow  # noqa: E402
from bastau.sms.outbox import queue  # noqa: E402

MESSAGES = 3_000
BATCH = 200                # SMS_BATCH, the configuration's default: what one run hands over at most
DEADLINE = 300             # seconds of runs before the bench gives up
MAX_RUNS_SLACK = 5         # runs allowed beyond the batches the messages need
API_KEY = "bench-key"
POSTGRES_URL = os.environ.get("BENCH_SMS_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_sms")


@dataclass
class FakeMobizon:
    """A local stand-in for api.mobizon.kz (as in tests/test_sms_gateway.py, reduced to a success at once):
    counts every request and each recipient's sends."""
    url: str = ""
    requests: int = 0
    recipients: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, form: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests += 1
            if not path.endswith("/SendSmsMessage"):
                return 404, {"code": 2, "data": None, "message": "Not found"}
            self.recipients[form.get("recipient", [""])[0]] += 1
            message_id = str(self.requests)
        return 200, {"code": 0, "data": {"campaignId": "1", "messageId": message_id, "status": 1}, "message": ""}


def start_fake_mobizon() -> tuple[FakeMobizon, ThreadingHTTPServer]:
    fake = FakeMobizon()

    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # a client that stops half-way does not keep a thread

        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(min(int(self.headers.get("Content-Length", 0)), 64_000))
            status, answer = fake.answer(urllib.parse.urlsplit(self.path).path,
                                         urllib.parse.parse_qs(body.decode("utf-8", "replace")))
            payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    return fake, server


@dataclass
class Drained:
    messages: int
    seed_seconds: float
    runs: int = 0
    seconds: float = 0.0
    sent: int = 0
    failed: int = 0
    left: int = 0            # still queued (or sending) when the bench stopped
    statements: int = 0
    requests: int = 0
    recipients: int = 0      # distinct phones the server was asked to send to
    twice: int = 0           # phones the server got more than one message for

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def once_each(self) -> bool:
        return self.requests == self.recipients == self.sent == self.messages and not self.twice


def seed(app, messages: int) -> None:
    """`messages` applications, each with its own phone, and a receipt for each in the outbox, written by `queue`
    as the application's service writes it, but urgent (due at once, whatever the hour)."""
    year, now = date.today().year, utcnow()
    with app.app_context():
        district = db.session.scalar(sa.select(District.id).order_by(District.id))
        db.session.execute(sa.insert(Application), [{
            "programme_year": year, "iin": f"{n:012d}", "surname": "Бенчов", "first_name": "Тест",
            "patronymic": None, "birth_date": date(1980 + n % 20, 1 + n % 12, 1 + n % 28), "sex": "male",
            "phone": f"+7701{n:07d}", "district_id": district, "social_status": "unemployed",
            "education": "secondary", "channel": "akimat", "status": "submitted", "access_code_hash": "-",
            "submission_key": f"bench-sms-{n}", "language": "kk" if n % 2 else "ru", "consent_version": "2026-1",
            "consent_language": "kk", "consent_at": now, "created_at": now, "updated_at": now}
            for n in range(messages)])
        db.session.commit()
        with writing():
            for application in db.session.scalars(sa.select(Application).order_by(Application.id)):
                queue(application, "receipt", key=f"bench:receipt:{application.id}", urgent=True,
                      reference=application.reference, url="bastau.kz/status")
        db.session.remove()


def _left(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
            SmsMessage.state.in_([SmsState.QUEUED, SmsState.SENDING])))
        db.session.remove()
        return count


def measure(url: str, messages: int, batch: int = BATCH) -> Drained:
    """Seed the outbox on a fresh database at `url`, then drain it with one worker against the local server."""
    fake, server = start_fake_mobizon()
    try:
        app, _url, counter = common.fresh_app("sms", url)
        app.config.update(SMS_GATEWAY="mobizon", SMS_API_URL=fake.url, SMS_API_KEY=API_KEY, SMS_TIMEOUT=5,
                          SMS_BATCH=batch)
        started = time.perf_counter()
        seed(app, messages)
        drained = Drained(messages, time.perf_counter() - started, left=_left(app))
        job, counter.count = BY_NAME["sms_delivery"], 0
        max_runs = -(-messages // batch) + MAX_RUNS_SLACK
        while drained.left and drained.runs < max_runs and drained.seconds < DEADLINE:
            started = time.perf_counter()
            with app.app_context():  # as the Huey task runs a job (bastau/jobs/engine.py)
                try:
                    result = run_job(job)
                finally:
                    db.session.remove()
            drained.seconds += time.perf_counter() - started
            drained.runs += 1
            drained.sent += result.sent
            drained.failed += result.failed
            drained.left = _left(app)  # the bench's own look, not timed
        drained.statements = counter.count
        with fake.lock:
            drained.requests = fake.requests
            drained.recipients = len(fake.recipients)
            drained.twice = sum(1 for count in fake.recipients.values() if count > 1)
        with app.app_context():
            db.engine.dispose()
        return drained
    finally:
        server.shutdown()
        server.server_close()


def row(title: str, d: Drained) -> str:
    once = "yes" if d.once_each else f"**no**: {d.twice} phones twice"
    return (f"| {title} | {d.messages:,} | {d.runs} | {d.seconds:.2f} | {d.rate:,.0f} | {d.requests:,} | {once} | "
            f"{d.failed + d.left:,} | {d.statements / max(d.sent, 1):.1f} |")


def run(messages: int = MESSAGES, databases: tuple[str, ...] = ("sqlite", "postgresql"), batch: int = BATCH) -> str:
    """The section of the report, as Markdown."""
    lines = [f"One worker drains {messages:,} due SMS (urgent receipts written by `queue`, one phone each) by "
             f"calling the `sms_delivery` job through `run_job` as the Huey task does, until none is left; each run "
             f"hands over at most {batch} (SMS_BATCH), each message claimed and committed before the hand-over and "
             "its answer recorded after. The gateway is the real Mobizon back end talking HTTP to a local server on "
             "127.0.0.1 that answers success at once, so the figures are the outbox's own cost (a real gateway "
             "adds its answer time to every message). Time: the sum of the runs (a worker waits a minute between "
             "them; the bench does not); the seeding is not timed.\n",
             "| database | messages | runs | total s | messages/s | requests the server saw | each message once "
             "| failed or left | SQL per message |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    notes = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        targets = {"sqlite": ("SQLite (a file, WAL)", f"sqlite:///{Path(scratch) / 'sms.sqlite'}"),
                   "postgresql": (f"PostgreSQL ({POSTGRES_URL.split('@')[-1]})", POSTGRES_URL)}
        for name in databases:
            title, url = targets[name]
            try:
                drained = measure(url, messages, batch)
            except Exception as error:  # noqa: BLE001 - the section says so; the other database still runs
                lines.append(f"| {title} | not available: {type(error).__name__}: {str(error)[:200]} "
                             "| | | | | | | |")
                continue
            lines.append(row(title, drained))
            notes.append(f"{title.split(' (')[0]}: seeded in {drained.seed_seconds:.1f} s")
    lines.append("")
    lines.append("; ".join(notes) + (". " if notes else "") +
                 f"1-minute load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after "
                 f"({os.cpu_count()} cores): the machine may be shared.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else MESSAGES))
