"""In-process CPU per request at 5k / 50k / 500k applications, with SQL statements counted (issue 18).

    .venv/bin/python bench/cpu_profile.py --sizes 5000,50000 --database sqlite|postgresql|both [--pages queue]
                                          [--repeat 7]

Per database and size: the data of bench/calendar_run.py's `seed_calendar` (five years, ~450 applications a
district a year, districts growing with the size, so a district's pages see the same rows at every size and any
growth comes from table size), plus staff accounts named as bench/page_weight.py's VISITS expect and ten
applications with a known access code. Each page is requested with the Flask test client and the browser's
Accept-Encoding; CPU = time.process_time() around client.open() + get_data(), the lower quartile of N after 2
warm-ups, the sizes taking turns request by request: on a shared machine the noise (other tenants' work, caches
they empty) only ever adds and comes and goes over minutes, and a median of 9 taken one size after the other moved
by up to 2× between pages of the same cost in one run (flagged participants 11.4 ms at 50k, 6.1 at 500k).

On PostgreSQL the server's CPU for the request is added: the sum, over every client backend of the bench database
(pg_stat_activity, backend_type = 'client backend', minus the monitoring connection itself), of the first field of
/proc/<pid>/schedstat (ns on CPU), read just before and just after the request, outside the timed window. Not
pg_backend_pid(): the app's pool may hand the request any of its connections, so the one we would ask is not
necessarily the one that worked.

Seeded databases are kept (SQLite: instance/bench/cpu-<size>-<key>.sqlite; PostgreSQL: bench_cpu_<size> with the
key in COMMENT ON DATABASE and a JSON of ids beside it); key = seed version + Alembic head + today's date. The
figures also go to instance/bench/cpu_profile.json (bench/load.py reads the 50k ones).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import sqlalchemy as sa  # noqa: E402

from bastau.assets import CACHED_COOKIE  # noqa: E402

SEED_VERSION = "2"
CACHE = ROOT / "instance" / "bench"
RESULTS = CACHE / "cpu_profile.json"
POSTGRES_SERVER = os.environ.get("BENCH_CPU_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
ENCODING = "gzip, deflate, br"
ACCESS_CODE = "24681357"
KNOWN_CODES = 10
WARM_UPS = 2
REPEAT = 25
PER_REQUEST_OVERHEAD_MS = 0.4  # gunicorn + the socket, per request, on top of the app's CPU (issue 18's model)
CORES = 2
GROWTH_GOAL = 1.3
# (kind, SQLite ms, PostgreSQL ms); staff DB pages also ≤ 20 statements at 500k.
GOALS = {"signed_in": (1.5, 2.5), "start": (0.8, 0.8), "staff": (6, 8), "lookup": (4, 6), "submit": (8, 12),
         "dashboard": (35, 35)}
STAFF_STATEMENTS = 20


def size_label(size: int) -> str:
    return f"{size // 1000}k"


# ---- Formulas ----

def growth(small_ms: float, large_ms: float) -> float:
    return large_ms / small_ms if small_ms else float("inf")


def per_core(cpu_ms: float) -> float:
    """Requests one core serves a second: the app's CPU plus the fixed cost of a request on gunicorn."""
    return 1000 / (cpu_ms + PER_REQUEST_OVERHEAD_MS)


def predicted_rate(cpu_ms: float, cores: int = CORES) -> float:
    """The model of issue 18: requests/s ≈ cores ÷ (CPU s + 0.0004)."""
    return cores / (cpu_ms / 1000 + PER_REQUEST_OVERHEAD_MS / 1000)


def goal_of(kind: str, database: str) -> float | None:
    limits = GOALS.get(kind)
    return None if limits is None else limits[database == "postgresql"]


def met(kind: str, database: str, cpu_ms: float, statements: int, growth_factor: float | None) -> bool:
    goal = goal_of(kind, database)
    if goal is not None and cpu_ms > goal:
        return False
    if kind == "staff" and statements > STAFF_STATEMENTS:
        return False
    return growth_factor is None or growth_factor <= GROWTH_GOAL


# ---- Cache key ----

def alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return "+".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def cache_key(head: str | None = None, day=None) -> str:
    from bastau.clock import today
    return f"v{SEED_VERSION}-{head or alembic_head()}-{(day or today()).isoformat()}"


# ---- Seeding ----

def _extras(app, district_id: int) -> dict:
    """Staff accounts as page_weight's VISITS name them, known access codes; the ids the pages need."""
    from bastau import demo, rules
    from bastau.access_codes import hash_code
    from bastau.extensions import db
    from bastau.models import Application, Cohort, District, Role, TrainingDay, User
    from bastau.clock import today
    with app.app_context():
        place = db.session.get(District, district_id)
        users = {}
        for username, role, full_name, office in demo.USERS:
            user = User(username=username, full_name=full_name, role=role, office=office, must_change_password=False,
                        district_id=None if role in (Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN) else district_id,
                        region_id=place.region_id if role == Role.REGIONAL_ADMIN else None)
            user.set_password(demo.DEMO_PASSWORD)
            db.session.add(user)
            users[username] = user
        db.session.flush()
        cohorts = db.session.scalars(sa.select(Cohort).where(Cohort.district_id == district_id)).all()
        for cohort in cohorts:
            cohort.trainer_id = users["trainer"].id
        year = today().year
        register = db.session.scalar(sa.select(TrainingDay).join(Cohort).where(
            Cohort.district_id == district_id, TrainingDay.date == today()))
        known = db.session.scalars(sa.select(Application).where(
            Application.district_id == district_id, Application.programme_year == year)
            .order_by(Application.id).limit(KNOWN_CODES)).all()
        for serial, application in enumerate(known):  # the seeding's IINs are plain numbers: give these real ones
            application.iin = rules.compose_iin(application.birth_date, application.sex, 9000 + serial)
            application.access_code_hash = hash_code(ACCESS_CODE)
        ids = {"district": district_id, "region": place.region_id, "year": year,
               "register_day": register.id if register else None,
               "training_cohort": register.cohort_id if register else cohorts[0].id,
               "lookups": [(a.reference, a.iin) for a in known]}
        db.session.commit()
        return ids


def seeded_app(database: str, size: int, config: dict):
    """(app, ids, reused) with the cached database for this size when its key matches, else a new one."""
    import calendar_run
    import common
    from bastau import create_app
    from bastau.clock import today
    from bastau.extensions import db
    key = cache_key()
    CACHE.mkdir(parents=True, exist_ok=True)
    ids_file = CACHE / f"cpu-{database}-{size}-{key}.json"
    if database == "sqlite":
        final = CACHE / f"cpu-{size}-{key}.sqlite"
        url = f"sqlite:///{final}"
        if final.exists() and ids_file.exists():
            return create_app({**config, "SQLALCHEMY_DATABASE_URI": url}), json.loads(ids_file.read_text()), True
        partial = final.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        app, _url, _counter = common.fresh_app("cpu", f"sqlite:///{partial}", config)
    else:
        name = f"bench_cpu_{size_label(size)}"
        url = f"{POSTGRES_SERVER}/{name}"
        if ids_file.exists() and _pg_comment(name) == key:
            return create_app({**config, "SQLALCHEMY_DATABASE_URI": url}), json.loads(ids_file.read_text()), True
        app, _url, _counter = common.fresh_app("cpu", url, config)
    calendar_run.seed_calendar(app, size, today())
    with app.app_context():
        from bastau.models import District
        every = db.session.scalars(sa.select(District.id).order_by(District.id)).all()
    ids = _extras(app, every[1])
    with app.app_context():
        db.engine.dispose()
    if database == "sqlite":
        partial.rename(final)
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url})
    else:
        _pg_execute(f"COMMENT ON DATABASE {name} IS '{key}'")
    ids_file.write_text(json.dumps(ids))
    return app, ids, False


def _pg_execute(statement: str, params: dict | None = None):
    engine = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(statement), params or {})
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def _pg_comment(name: str) -> str | None:
    return _pg_execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n",
                       {"n": name})


# ---- Server CPU on PostgreSQL ----

class ServerCPU:
    """Nanoseconds on CPU of every client backend of one database (see the module's docstring for why all)."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
        self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def total_ns(self) -> int:
        pids = self.conn.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).scalars().all()
        total = 0
        for pid in pids:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError):
                pass  # a backend that ended between the query and the read
        return total

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


# ---- Requests ----

@dataclass
class Page:
    name: str
    who: str  # a staff username, or "visitor"
    kind: str  # key of GOALS, or "hello"
    method: str
    path: str
    prepare: object = None  # callable(client) -> form data for a POST


@dataclass
class Measured:
    name: str
    who: str
    kind: str
    cpu_ms: float
    app_ms: float
    server_ms: float
    statements: int


@dataclass
class Profile:
    database: str
    size: int
    reused: bool
    pages: list[Measured] = field(default_factory=list)


def _token(client, path: str) -> str:
    import page_weight
    return page_weight.token(client, path)


def _lookup_form(ids):
    def prepare(client):
        reference, iin = ids["lookups"][0]
        return {"reference": reference, "iin": iin, "access_code": ACCESS_CODE, "csrf_token": _token(client, "/status")}
    return prepare


def _application_form(ids):
    from bastau.clock import today
    # A reused database keeps earlier runs' submissions: new IINs each run (birth day and serial from a fresh seed).
    rng = random.Random()
    counter = iter(rng.sample(range(10_000), 1_000))
    born = today().replace(year=today().year - 30) - timedelta(days=rng.randrange(3_000))

    def prepare(client):
        import page_weight
        from bastau import rules
        data = {"iin": rules.compose_iin(born, "female", 7000 + next(counter)), "surname": "Сәрсенбаева",
                "first_name": "Әйгерім", "phone": "+7 701 234 56 78", "region": ids["region"],
                "district": ids["district"], "social_status": "unemployed", "education": "secondary",
                "business_idea": "Ауылда тігін цехын ашу", "channel": "akimat", "consent": "y"}
        page_weight.post(client, "/apply", data, expect=(302,))
        return {"csrf_token": _token(client, "/apply/check")}
    return prepare


def pages(ids: dict) -> list[Page]:
    d, r, y = ids["district"], ids["region"], ids["year"]
    staff = [
        ("officer's queue", "centre", "/centre/"), ("lists", "centre", "/centre/lists"),
        ("lists to approve", "chamber", "/chamber/lists"), ("waiting for the test", "chamber", "/chamber/tests"),
        ("cohorts", "chamber", "/cohorts"), ("cohort", "chamber", f"/cohorts/{ids['training_cohort']}"),
        ("trainer: my cohorts", "trainer", "/trainer/"),
        ("trainer: cohort", "trainer", f"/trainer/cohorts/{ids['training_cohort']}"),
        ("flagged participants", "chamber", "/attendance/flagged"), ("defence sessions", "chamber", "/defence"),
        ("financing", "chamber", "/financing"), ("district dashboard", "chamber", f"/dashboard/districts/{d}"),
        ("yearly plans", "admin", "/yearly-plans/"),
    ]
    if ids.get("register_day"):
        staff.append(("trainer: register (today)", "trainer", f"/trainer/days/{ids['register_day']}"))
    return [
        Page("bare Flask hello", "visitor", "hello", "GET", "/"),
        Page("empty signed-in page (own password)", "operator", "signed_in", "GET", "/staff/password"),
        Page("start page (new visitor)", "visitor", "start", "GET", "/"),
        Page("status look-up (right code)", "visitor", "lookup", "POST", "/status", _lookup_form(ids)),
        Page("application submission", "visitor", "submit", "POST", "/apply/submit", _application_form(ids)),
        *(Page(name, who, "staff", "GET", path) for name, who, path in staff),
        Page("national dashboard", "admin", "dashboard", "GET", f"/dashboard?year={y}"),
        Page("region dashboard", "admin", "dashboard", "GET", f"/dashboard/regions/{r}"),
    ]


def _client(app, who: str):
    """A newcomer's browser for a visitor; for staff, a browser that has opened a page before: its loader has put
    the stylesheet in the cache and set the cookie that says so (bastau/assets.py), as a day at the desk has."""
    import page_weight
    if who == "visitor":
        return page_weight.new_client(app, "kk")
    client = page_weight.sign_in(app, who, "kk")
    client.set_cookie(CACHED_COOKIE, app.extensions["bastau_assets"].digest("css/app.css"))
    return client


def lower_quartile(values: list[float]) -> float:
    """The value a quarter of the way up: what a request costs when nothing else got in its way."""
    return statistics.quantiles(values, n=4, method="inclusive")[0] if len(values) > 1 else values[0]


class Sampler:
    """One page of one database size, measured one request at a time (so that sizes can take turns)."""

    def __init__(self, app, page: Page, counter, server: ServerCPU | None):
        self.app, self.page, self.counter, self.server = app, page, counter, server
        self.client = None
        self.app_times: list[float] = []
        self.server_times: list[float] = []
        self.statements: list[int] = []

    def take(self, kept: bool) -> None:
        page = self.page
        if self.client is None or page.kind in ("start", "lookup", "submit"):  # these come as newcomers each time
            self.client = _client(self.app, page.who)
        data = page.prepare(self.client) if page.prepare else None
        before = self.server.total_ns() if self.server else 0
        self.counter.count = 0
        started = time.process_time()
        response = self.client.open(page.path, method=page.method, data=data)
        response.get_data()
        spent = time.process_time() - started
        sent = self.counter.count
        after = self.server.total_ns() if self.server else 0
        assert response.status_code in (200, 302), (page.name, page.path, response.status_code)
        if kept:
            self.app_times.append(spent * 1000)
            self.server_times.append((after - before) / 1e6)
            self.statements.append(sent)

    def measured(self) -> Measured:
        app_ms, server_ms = lower_quartile(self.app_times), lower_quartile(self.server_times)
        page = self.page
        statements = 0 if page.kind == "hello" else max(self.statements)
        return Measured(page.name, page.who, page.kind, app_ms + server_ms, app_ms, server_ms, statements)


def measure_page(app, page: Page, counter, server: ServerCPU | None, repeat: int) -> Measured:
    sampler = Sampler(app, page, counter, server)
    for attempt in range(WARM_UPS + repeat):
        sampler.take(attempt >= WARM_UPS)
    return sampler.measured()


def relaxed_limits(app_config: dict) -> dict:
    return {k: "1000000 per minute" for k in app_config if k.endswith("_LIMIT") and k != "WTF_CSRF_TIME_LIMIT"}


@dataclass
class Seeded:
    """One size's database, ready to be asked."""
    profile: Profile
    app: object
    pages: list[Page]
    counter: object
    server: ServerCPU | None


def profile_sizes(database: str, sizes, repeat: int, only: str = "") -> list[Profile]:
    """Every page at every size, the sizes taking turns request by request: the noise of a shared machine comes and
    goes over minutes, and measured one size after the other it once made a page look 1.5× dearer at 50k than at
    500k; taking turns, each size meets the same noise."""
    import common
    import hello
    from bastau import create_app
    from bastau.extensions import db
    base = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": True}
    probe = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **base})
    config = base | relaxed_limits(probe.config) | {"RATELIMIT_STORAGE_URI": "memory://"}
    hello.app.config["TESTING"] = True
    seeded: list[Seeded] = []
    try:
        for size in sizes:
            print(f"cpu profile: {database} {size:,} …", flush=True)
            app, ids, reused = seeded_app(database, size, config)
            with app.app_context():
                counter = common.StatementCounter(db.engine)
                url = db.engine.url
            server = ServerCPU(url.render_as_string(hide_password=False)) if database == "postgresql" else None
            seeded.append(Seeded(Profile(database, size, reused), app, pages(ids), counter, server))
        for index, page in enumerate(seeded[0].pages):
            if only and only not in page.name:
                continue
            samplers = [Sampler(hello.app if page.kind == "hello" else one.app, one.pages[index], one.counter,
                                None if page.kind == "hello" else one.server) for one in seeded]
            for attempt in range(WARM_UPS + repeat):
                for sampler in samplers:
                    sampler.take(attempt >= WARM_UPS)
            for one, sampler in zip(seeded, samplers):
                one.profile.pages.append(sampler.measured())
            print(f"  {page.name:<40} " + "  ".join(f"{s.measured().cpu_ms:7.2f}" for s in samplers)
                  + f" ms  {samplers[-1].measured().statements} SQL", flush=True)
    finally:
        for one in seeded:
            if one.server:
                one.server.close()
            with one.app.app_context():
                db.engine.dispose()
    return [one.profile for one in seeded]


# ---- Report ----

def markdown(profiles: list[Profile]) -> str:
    lines = []
    for database in dict.fromkeys(p.database for p in profiles):
        runs = sorted((p for p in profiles if p.database == database), key=lambda p: p.size)
        sizes = [p.size for p in runs]
        by_size = {p.size: {m.name: m for m in p.pages} for p in runs}
        largest, smallest = sizes[-1], sizes[0]
        lines += [f"### {'SQLite' if database == 'sqlite' else 'PostgreSQL (app + server CPU)'}", "",
                  "Databases: " + ", ".join(f"{size_label(p.size)} {'reused' if p.reused else 'seeded'}"
                                            for p in runs) + ".", "",
                  "| page | as | " + " | ".join(f"CPU ms at {size_label(s)}" for s in sizes)
                  + f" | SQL ({size_label(largest)}) | growth {size_label(largest)}÷{size_label(smallest)} "
                    "| goal | met | one core serves /s |",
                  "|---|---|" + "---:|" * len(sizes) + "---:|---:|---|---|---:|"]
        for name, last in by_size[largest].items():
            first = by_size[smallest].get(name)
            factor = growth(first.cpu_ms, last.cpu_ms) if first and len(sizes) > 1 else None
            goal = goal_of(last.kind, database)
            goal_text = (f"≤ {goal} ms" if goal is not None else "—") + (
                f", ≤ {STAFF_STATEMENTS} SQL" if last.kind == "staff" else "") + ", growth ≤ 1.3×"
            verdict = "—" if last.kind == "hello" else (
                "met" if met(last.kind, database, last.cpu_ms, last.statements, factor) else "**missed**")
            cells = " | ".join(f"{by_size[s][name].cpu_ms:.2f}" if name in by_size[s] else "—" for s in sizes)
            lines.append(f"| {name} | {last.who} | {cells} | {last.statements} | "
                         f"{'—' if factor is None else f'{factor:.2f}×'} | {goal_text} | {verdict} | "
                         f"{per_core(last.cpu_ms):,.0f} |")
        lines.append("")
    lines += [f"One core serves 1000 ÷ (CPU ms + {PER_REQUEST_OVERHEAD_MS}) requests a second; the model for this "
              f"box: requests/s ≈ {CORES} ÷ (CPU s + 0.0004). Goals: the staff DB pages and dashboards are judged at "
              "the largest size measured."]
    return "\n".join(lines) + "\n"


def save(profiles: list[Profile]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for p in profiles:
        old.setdefault(p.database, {})[str(p.size)] = {
            "reused": p.reused, "pages": [asdict(m) | {"predicted_rate": predicted_rate(m.cpu_ms)} for m in p.pages]}
    RESULTS.write_text(json.dumps(old, indent=1, ensure_ascii=False))


def run(sizes=(5_000, 50_000, 500_000), databases=("sqlite", "postgresql"), repeat: int = REPEAT,
        only: str = "") -> str:
    profiles = []
    notes = []
    for database in databases:
        try:
            profiles.extend(profile_sizes(database, sizes, repeat, only))
        except Exception as error:  # noqa: BLE001 - the report says so; the rest goes on
            notes.append(f"{database} not available: {type(error).__name__}: {str(error)[:300]}")
    save(profiles)
    intro = (f"In-process CPU per request (Flask test client, `time.process_time()` around the request, lower "
             f"quartile of {repeat} after {WARM_UPS} warm-ups, the sizes taking turns request by request, since a "
             f"shared machine's noise only adds and comes and goes; Accept-Encoding `{ENCODING}`), plus on "
             "PostgreSQL the server "
             "backends' CPU from /proc/<pid>/schedstat; SQL = statements the request sent. Data: "
             "bench/calendar_run.py's seeding at each size (five years; districts grow with the size). Visitors "
             "come as newcomers (the stylesheet inlined); staff as a browser that holds the stylesheet already (the "
             "cookie its loader sets after the first page).\n\n")
    return intro + markdown(profiles) + "".join(f"\n{n}\n" for n in notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000,500000")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pages", default="")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print(run(tuple(int(s) for s in args.sizes.split(",")), databases, args.repeat, args.pages))


if __name__ == "__main__":
    main()
