"""One full calendar run at 500,000 applications: every periodic job of bastau/jobs once (`run_due(everything=True)`,
as `flask jobs run-due --all` runs them), on SQLite and on PostgreSQL, then the same run again right after, when
nothing is left to do. Goal (issue 12): under 10 s on each database.

    .venv/bin/python bench/calendar_run.py [APPLICATIONS]      # both databases; prints the report's section

The data is the programme after five years in every district, as the calendar left it yesterday: six cohorts of 25
a district a year (the other applicants never got that far), attendance for every training day that has passed,
the commission's decisions, certificates with their recorded follow-ups, and the notices of earlier days (those of
follow-ups are inserted; the commission's reminders, and whatever else the jobs write, come from the calendar's run
for yesterday: the last step of the seeding, untimed). Today about 1 % of the applications move:
the fourth cohorts of half the districts had their last day yesterday (in training → training completed, except
those waiting for the commission) and the fifth cohorts of the other half start today (enrolled → in training).
Some participants are over the absence limit, a part of them for more than 5 working days (→ a reminder), some
after a "keep"; the certificates of a day reach their 6- and 12-month follow-ups or the end of their 24-month loan
priority, as on any day. No job reads the audit log, so only the entries the runs write are in it.

Rows go in through the driver (COPY on PostgreSQL, executemany on SQLite): test data, not the app's own writes,
which all go through the jobs. Not a test: it measures (tests/test_bench_tools.py runs it small).
"""
from __future__ import annotations

import logging
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock_time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import seed  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bastau import clock, rules  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.jobs import PERIODIC, run_due  # noqa: E402
from bastau.lifecycle import certificate_due  # noqa: E402
from bastau.models import Application, Cohort, District, Notice, Role, TrainingDay, User  # noqa: E402

TOTAL = 500_000
YEARS = 5
COHORTS = 6                       # a district's cohorts a year
COHORT_SIZE = seed.COHORT_SIZE    # 25
TRAINING_DAYS = seed.TRAINING_DAYS
PER_DISTRICT_YEAR = 450           # applications a district a year: a small run uses fewer districts
DEFENCE_AFTER = 14                # days from the last training day to the defence and the certificate
ABSENTEE_SHARE = 0.04             # participants who miss a third of the days; the others miss 1 in 30
KEPT_SHARE = 0.3                  # of those over the limit now, the commission kept this share at their 4th day
FOLLOW_UPS_RECORDED = {6: 0.85, 12: 0.8}
# Statuses inside a cohort (seed.py's FINISHED, TRAINING, STARTING), plus trained and not yet defended.
DEFENDING = {"training_completed": 15, "expelled": 1}
GOAL_SECONDS = 10
MARK_COLUMNS = ("training_day_id", "application_id", "mark", "reason", "note", "recorded_by_id", "recorded_at")
POSTGRES_URL = os.environ.get("BENCH_CALENDAR_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_calendar")


@dataclass
class Facts:
    applications: int = 0
    districts: int = 0
    cohorts: int = 0
    marks: int = 0
    reviews: int = 0
    certificates: int = 0
    follow_ups: int = 0
    notices: int = 0
    in_a_cohort: int = 0
    seconds: float = 0.0
    yesterday: float = 0.0  # the calendar's run for yesterday, the last step of the seeding


@dataclass
class Run:
    """One run_due: seconds, SQL statements and result of each job, in PERIODIC's order."""
    jobs: dict[str, tuple[float, int, str]] = field(default_factory=dict)
    seconds: float = 0.0
    statements: int = 0


# ---- Seeding ----

def bulk_insert(table: str, rows: list[tuple], columns: tuple[str, ...]) -> int:
    """Insert plain rows through the driver in the session's transaction: COPY on PostgreSQL, executemany on
    SQLite (dates as SQLAlchemy keeps them there). Every NOT NULL column must be given: no Python defaults."""
    if not rows:
        return 0
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        kinds = [next((type(row[i]) for row in rows if row[i] is not None), None) for i in range(len(columns))]
        stamps = [i for i, kind in enumerate(kinds) if kind is not None and issubclass(kind, date)]
        if stamps:
            rows = [_sqlite_row(row, stamps) for row in rows]
        driver.cursor().executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                    f"({', '.join('?' * len(columns))})", rows)
    return len(rows)


def _sqlite_row(row: tuple, stamps: list[int]) -> list:
    row = list(row)
    for i in stamps:
        value = row[i]
        if isinstance(value, datetime):
            row[i] = value.isoformat(" ", "microseconds")
        elif value is not None:
            row[i] = value.isoformat()
    return row


def _phase(start: date, today: date) -> str:
    last = start + timedelta(days=TRAINING_DAYS - 1)
    if start >= today:
        return "starting"
    if last >= today:
        return "training"
    if last == today - timedelta(days=1):
        return "ended"
    return "defending" if last + timedelta(days=DEFENCE_AFTER) >= today else "finished"


WEIGHTS = {"starting": seed.STARTING, "training": seed.TRAINING, "ended": seed.TRAINING, "defending": DEFENDING,
           "finished": seed.FINISHED}


def _start(rng: random.Random, index: int, years_ago: int, number: int, today: date) -> date:
    """When a cohort starts: earlier years' and this year's first three are over; the fourth ended yesterday in
    every other district and is at its 11th day elsewhere; the fifth starts today where the fourth goes on."""
    if years_ago:  # any day of that year: every day has certificates 6, 12 and 24 months old
        return today - timedelta(days=365 * years_ago + rng.randint(0, 364))
    if number <= 2:
        return today - timedelta(days=rng.randint(61, 300))
    if number == 3:
        return today - timedelta(days=rng.randint(30, 60))
    if number == 4:
        return today - timedelta(days=TRAINING_DAYS if index % 2 == 0 else 10)
    if number == 5:
        return today if index % 2 else today + timedelta(days=20)
    return today + timedelta(days=50)


def seed_calendar(app, total: int, today: date) -> Facts:
    """Fill the empty database of `app` (see the module's docstring) and run the calendar for yesterday."""
    started = time.perf_counter()
    rng = random.Random(12)
    facts = Facts()
    this_year = today.year
    with app.app_context():
        every = db.session.scalars(sa.select(District.id).order_by(District.id)).all()
        districts = every[:max(2, min(len(every), round(total / (YEARS * PER_DISTRICT_YEAR))))]
        admin = User(username="bench-admin", full_name="Бенч Әкімші", role=Role.NATIONAL_ADMIN, password_hash="-",
                     must_change_password=False)
        commission = User(username="bench-commission", full_name="Бенч Комиссия", role=Role.COMMISSION,
                          password_hash="-", must_change_password=False)
        trainers = [User(username=f"bench-trainer-{d}", full_name="Жаттықтырушы", role=Role.TRAINER, district_id=d,
                         password_hash="-", must_change_password=False) for d in districts]
        db.session.add_all([admin, commission, *trainers])
        db.session.flush()
        trainer_of = {t.district_id: t.id for t in trainers}

        plan = {}  # (district, year, number) -> start date
        for index, d in enumerate(districts):
            for years_ago in range(YEARS):
                for number in range(1, COHORTS + 1):
                    plan[(d, this_year - years_ago, number)] = _start(rng, index, years_ago, number, today)
        now = datetime.combine(today, clock_time())
        bulk_insert("cohort", [(d, y, n, "kk", "Аудандық мәдениет үйі", start, TRAINING_DAYS, 30, trainer_of[d],
                                admin.id, now) for (d, y, n), start in plan.items()],
                    ("district_id", "programme_year", "number", "language", "venue", "start_date", "training_days",
                     "capacity", "trainer_id", "created_by_id", "created_at"))
        cohort_id = {(d, y, n): cid for cid, d, y, n in db.session.execute(
            sa.select(Cohort.id, Cohort.district_id, Cohort.programme_year, Cohort.number))}
        bulk_insert("training_day", [(cohort_id[key], k, start + timedelta(days=k - 1),
                                      rules.module_of_day(k - 1, TRAINING_DAYS), None, None)
                                     for key, start in plan.items() for k in range(1, TRAINING_DAYS + 1)],
                    ("cohort_id", "day_number", "date", "module_number", "delivered_at", "delivered_by_id"))
        days: dict[int, list[tuple[int, date]]] = {}
        for day_id, cid, day in db.session.execute(sa.select(TrainingDay.id, TrainingDay.cohort_id, TrainingDay.date)
                                                   .where(TrainingDay.date < today).order_by(TrainingDay.date)):
            days.setdefault(cid, []).append((day_id, day))

        rows, members, n = [], [], 0  # members: (n, cohort key, status)
        places = [(d, this_year - years_ago) for years_ago in range(YEARS) for d in districts]
        for i, (d, year) in enumerate(places):
            count = total // len(places) + (i < total % len(places))
            people = []
            for number in range(1, COHORTS + 1):
                key = (d, year, number)
                weights = WEIGHTS[_phase(plan[key], today)]
                people += [(key, seed._pick(rng, weights)) for _ in range(COHORT_SIZE)]
            people = people[:count]
            people += [(None, seed._pick(rng, seed.WAITING if year == this_year else seed.ENDED))
                       for _ in range(count - len(people))]
            for key, status in people:
                row = seed.application_row(rng, n, year=year, district_id=d, status=status,
                                           cohort_id=cohort_id[key] if key else None, iin=f"{n:012d}",
                                           born=date(1965 + n % 35, 1 + n % 12, 1 + n % 28), access_code_hash="-")
                row["business_idea"] = None
                if key:
                    members.append((n, key, status))
                rows.append(row)
                n += 1
        columns = tuple(rows[0])
        facts.applications = bulk_insert("application", [tuple(r.values()) for r in rows], columns)
        del rows
        application_id = {int(k.removeprefix("bench-")): i for i, k in db.session.execute(
            sa.select(Application.id, Application.submission_key))}

        marks, reviews, certificates, follow_ups, notices = [], [], [], [], []
        for n, key, status in members:
            person, (d, _year, _number) = application_id[n], key
            start = plan[key]
            last = start + timedelta(days=TRAINING_DAYS - 1)
            absent = 0.33 if rng.random() < ABSENTEE_SHARE else 1 / 30
            count, fourth = 0, None
            for k, (day_id, day) in enumerate(days.get(cohort_id[key], ())):
                roll = rng.random()
                if status == "expelled":  # came twice, then stopped coming
                    mark = "present" if k < 2 else "absent"
                else:
                    mark = "absent" if roll < absent else "excused" if roll > 0.96 else "present"
                marks.append((day_id, person, mark, "illness" if mark == "excused" else None, None, trainer_of[d],
                              datetime.combine(day, clock_time(18))))
                if len(marks) == 200_000:
                    facts.marks += bulk_insert("attendance", marks, MARK_COLUMNS)
                    marks = []
                if mark == "absent":
                    count += 1
                    fourth = fourth or (day if count == 4 else None)
                if status == "expelled" and count == 4:
                    break  # expelled at the commission's next sitting: no more marks
            if status == "expelled":
                reviews.append((person, True, "unexcused_absences", None,
                                min(fourth + timedelta(days=2), today - timedelta(days=1)), count, commission.id, now))
            elif count > rules.MAX_UNEXCUSED_DAYS:
                # Trained ones were kept for all their days; in training, some were kept at the 4th and missed more.
                kept_at = count if status != "in_training" else 4 if rng.random() < KEPT_SHARE else 0
                if kept_at:
                    reviews.append((person, False, "catching_up", None, min(fourth + timedelta(days=2), today),
                                    kept_at, commission.id, now))
            if _phase(start, today) == "finished" and certificate_due(status):
                issued = last + timedelta(days=DEFENCE_AFTER)
                until = rules.loan_priority_until(issued)
                certificates.append((person, f"C-{person:09d}", certificate_due(status), cohort_id[key], "kk", issued,
                                     admin.id, until if until < today - timedelta(days=1) else None))
                for months, share in FOLLOW_UPS_RECORDED.items():
                    due = rules.months_later(issued, months)
                    if due < today and rng.random() >= share:  # due before today, not recorded: still open
                        notices.append(("follow_up_due", f"follow_up:{person}:{months}", person, d, str(months),
                                        datetime.combine(due, clock_time()), None))
                    elif due < today:
                        recorded = min(due + timedelta(days=rng.randint(0, 40)), today - timedelta(days=1))
                        opened = rng.random() < 0.5
                        follow_ups.append((person, months, opened, None, False, rng.randint(1, 3) if opened else 0,
                                           admin.id, datetime.combine(recorded, clock_time(12))))
                        notices.append(("follow_up_due", f"follow_up:{person}:{months}", person, d, str(months),
                                        datetime.combine(due, clock_time()),
                                        datetime.combine(recorded, clock_time(12))))
        facts.in_a_cohort = len(members)
        facts.marks += bulk_insert("attendance", marks, MARK_COLUMNS)
        facts.reviews = bulk_insert("expulsion_review", reviews, (
            "application_id", "expel", "reason", "note", "decided_on", "unexcused_days", "decided_by_id",
            "created_at"))
        facts.certificates = bulk_insert("certificate", certificates, (
            "application_id", "number", "kind", "cohort_id", "language", "issued_on", "issued_by_id",
            "priority_closed_on"))
        facts.follow_ups = bulk_insert("business_follow_up", follow_ups, (
            "application_id", "months_after", "business_opened", "opened_on", "registered_as_ie", "jobs_created",
            "recorded_by_id", "recorded_at"))
        bulk_insert("notice", notices, ("kind", "key", "application_id", "district_id", "detail", "created_at",
                                        "closed_at"))
        db.session.commit()
        # Fresh statistics, and on PostgreSQL the visibility map that autovacuum keeps on a live database (without
        # it an index-only scan still reads every row).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
        facts.districts, facts.cohorts = len(districts), len(plan)
        begun = time.perf_counter()
        run_due(today=today - timedelta(days=1), everything=True)
        facts.yesterday = time.perf_counter() - begun
        facts.notices = db.session.scalar(sa.select(sa.func.count(Notice.id)))
        db.session.rollback()
    facts.seconds = time.perf_counter() - started
    return facts


# ---- Measuring ----

class _JobTimes(logging.Handler):
    """Notes the clock and the statement count as each job logs its end (after its commit)."""

    def __init__(self, counter):
        super().__init__(logging.INFO)
        self.counter, self.marks = counter, []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg in ("job %s: %s", "job %s failed"):
            self.marks.append((record.args[0], time.perf_counter(), self.counter.count))


def timed_run(app, counter, today: date) -> Run:
    """One run_due(today, everything=True), with each job's share of the time and of the SQL statements."""
    log = logging.getLogger("bastau.jobs")
    handler, level, propagate = _JobTimes(counter), log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # the table says it
    try:
        with app.app_context():
            counter.count = 0
            started = time.perf_counter()
            results = run_due(today=today, everything=True)
            run = Run(seconds=time.perf_counter() - started, statements=counter.count)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate
    previous, before = started, 0
    for name, at, count in handler.marks:
        run.jobs[name] = (at - previous, count - before, results.get(name, "?"))
        previous, before = at, count
    return run


def measure(url: str, total: int, today: date) -> tuple[Facts, Run, Run]:
    app, url, counter = common.fresh_app("calendar", url)
    facts = seed_calendar(app, total, today)
    first = timed_run(app, counter, today)
    second = timed_run(app, counter, today)
    with app.app_context():
        db.engine.dispose()
    return facts, first, second


def table(first: Run, second: Run) -> str:
    lines = ["| job | first run (s) | SQL | what it did | second run (s) | SQL | what it did |",
             "|---|---:|---:|---|---:|---:|---|"]
    for job in PERIODIC:
        a, b = first.jobs.get(job.name, (0, 0, "did not run")), second.jobs.get(job.name, (0, 0, "did not run"))
        lines.append(f"| {job.name} | {a[0]:.2f} | {a[1]:,} | {a[2]} | {b[0]:.2f} | {b[1]:,} | {b[2]} |")
    lines.append(f"| **all {len(PERIODIC)}** | **{first.seconds:.2f}** | {first.statements:,} | | "
                 f"**{second.seconds:.2f}** | {second.statements:,} | |")
    return "\n".join(lines)


def verdict(run: Run) -> str:
    return "met" if run.seconds < GOAL_SECONDS else "**missed**"


def run(total: int = TOTAL, databases: tuple[str, ...] = ("sqlite", "postgresql")) -> str:
    """The section of the report, as Markdown."""
    today = clock.today()
    parts = [f"`run_due(today, everything=True)`: the {len(PERIODIC)} jobs of bastau/jobs in one go, each in its "
             "own writing transaction, the moves through `move_to` with their audit entries, as "
             f"`flask jobs run-due --all` runs them; then the same call again. Today = {today.isoformat()} "
             "(Kazakhstan). The data: five programme years in every district as the calendar left it yesterday "
             "(bench/calendar_run.py says what is in it; the calendar's run for yesterday is the last step of the "
             "seeding and is not timed). Time per job: from the end of the one before to the end of its commit; "
             "SQL: statements sent.\n"]
    loads, verdicts = [os.getloadavg()[0]], []
    with tempfile.TemporaryDirectory() as scratch:
        targets = {"sqlite": ("SQLite (a file, WAL)", f"sqlite:///{Path(scratch) / 'calendar.sqlite'}"),
                   "postgresql": (f"PostgreSQL ({POSTGRES_URL.split('@')[-1]})", POSTGRES_URL)}
        for name in databases:
            title, url = targets[name]
            try:
                facts, first, second = measure(url, total, today)
            except Exception as error:  # noqa: BLE001 - the section says so; the other database still runs
                parts.append(f"### {title}\n\nnot available: {type(error).__name__}: {str(error)[:300]}\n")
                verdicts.append(f"{title.split(' (')[0]} not measured")
                continue
            loads.append(os.getloadavg()[0])
            parts.append(
                f"### {title}\n\n{facts.applications:,} applications in {facts.districts} districts over {YEARS} "
                f"years, {facts.in_a_cohort:,} of them in {facts.cohorts:,} cohorts; {facts.marks:,} attendance "
                f"marks, {facts.reviews:,} commission decisions, {facts.certificates:,} certificates, "
                f"{facts.follow_ups:,} recorded follow-ups, {facts.notices:,} notices (seeded in "
                f"{facts.seconds:.0f} s, of which {facts.yesterday:.1f} s the calendar's run for yesterday).\n\n"
                + table(first, second) + "\n")
            verdicts.append(f"{title.split(' (')[0]} {verdict(first)} ({first.seconds:.1f} s; again right after: "
                            f"{second.seconds:.1f} s)")
    parts.append(f"Goal: one full calendar run under {GOAL_SECONDS} s — " + "; ".join(verdicts) + ". "
                 f"1-minute load average {loads[0]:.1f} before and {loads[-1]:.1f} after ({os.cpu_count()} cores): "
                 "the machine may be shared, and the times grow with whatever else it runs.")
    return "\n".join(parts)


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else TOTAL))
