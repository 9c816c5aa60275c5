"""Staff pages at national scale: the queue and lists with 5,000 applications in a district and 100,000
in the country, and a bulk decision on 500 names in one request.

    .venv/bin/python bench/staff_scale.py            # SQLite (a throw-away file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/staff_scale.py

Prints, per request: median and worst time over repeats and the number of SQL statements (to show there
is no N+1). Not a test: it measures.
"""
from __future__ import annotations

import random
import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from seed import NAMES, SURNAMES  # noqa: E402

from bastau.extensions import db  # noqa: E402
from bastau.models import Application, District, Role, Status, User  # noqa: E402

NATIONAL, DISTRICT = 100_000, 5_000
HOME = "195200000"  # Қарасай ауданы (bench/seed.py HOME_KATO)


def seed(app) -> int:
    """100,000 applications over every district, 5,000 of them in the home district; returns its id."""
    rng = random.Random(7)
    with app.app_context():
        districts = db.session.scalars(sa.select(District.id).order_by(District.id)).all()
        home = db.session.scalar(sa.select(District.id).where(District.kato_code == HOME))
        others = [d for d in districts if d != home]
        year = date.today().year
        rows = []
        for n in range(NATIONAL):
            born = date(1960 + n % 45, 1 + n % 12, 1 + n % 28)
            rows.append({
                "programme_year": year, "iin": f"{n:012d}", "surname": rng.choice(SURNAMES),
                "first_name": rng.choice(NAMES), "patronymic": None, "birth_date": born, "sex": "female",
                "phone": "+77011234567", "district_id": home if n < DISTRICT else rng.choice(others),
                "social_status": rng.choice(["unemployed", "self_employed"]), "education": "secondary",
                "channel": rng.choice(["akimat", "employment_centre", "chamber_branch"]),
                "status": Status.SUBMITTED if n % 3 else Status.TARGET_GROUP_CONFIRMED,
                "access_code_hash": "-", "submission_key": f"bench-{n}", "language": "kk",
                "consent_version": "2026-1", "consent_language": "kk", "consent_at": datetime(2026, 4, 1),
                "created_at": datetime(2026, 4, 1) + timedelta(minutes=n), "updated_at": datetime(2026, 4, 1)})
            if len(rows) == 10_000:
                db.session.execute(sa.insert(Application), rows)
                rows = []
        db.session.commit()
        officer = User(username="bench-officer", full_name="Бенч Офицер", role=Role.CENTRE_OFFICER,
                       district_id=home, must_change_password=False)
        officer.set_password("bench-password-1")
        db.session.add(officer)
        db.session.commit()
        return home


timed = common.timed


def main() -> None:
    app, url, counter = common.fresh_app("scale")
    started = time.perf_counter()
    seed(app)
    print(f"database: {url.split(':')[0]}; seeded {NATIONAL:,} applications "
          f"({DISTRICT:,} in the district) in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/staff/login", data={"login": "bench-officer", "password": "bench-password-1", "csrf_token": token})
    queue_token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/centre/").get_data(as_text=True))[1]

    def searched(text: str) -> str:
        """The keyed address a search lands on (it is POSTed, never put in a URL: bastau/staff_search.py)."""
        return client.post("/centre/", data={"q": text, "status": "", "csrf_token": queue_token}).location

    rows = [
        ("queue, first page", "GET", "/centre/"),
        ("queue, all statuses, page 40", "GET", "/centre/?status=&page=40"),
        ("queue, sorted by surname", "GET", "/centre/?sort=surname&page=20"),
        ("queue, search by name", "GET", searched("жұмабек")),
        ("queue, search by IIN", "GET", searched("0000000012")),
        ("queue, filters", "GET", "/centre/?source=akimat&social_status=self_employed&date_from=2026-04-02"),
        ("lists page", "GET", "/centre/lists"),
        ("new-list preview (1,667 names)", "GET", "/centre/lists/new"),
    ]
    print(f"\n{'request':<36}{'median ms':>10}{'worst ms':>10}{'SQL':>6}")
    for name, method, path in rows:
        median, worst, statements = timed(client, counter, method, path)
        print(f"{name:<36}{median:>10.1f}{worst:>10.1f}{statements:>6}")
    with app.app_context():
        home = db.session.scalar(sa.select(District.id).where(District.kato_code == HOME))
        waiting = db.session.scalars(sa.select(Application.id).where(
            Application.district_id == home, Application.status == Status.SUBMITTED).limit(1500)).all()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/centre/").get_data(as_text=True)).group(1)
    bulk = []
    for batch in range(3):
        ids = waiting[batch * 500:(batch + 1) * 500]
        counter.count = 0
        started = time.perf_counter()
        response = client.post("/centre/decide", data={"application": [str(i) for i in ids], "action": "confirm",
                                                       "csrf_token": token})
        bulk.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302
    print(f"{'bulk confirm, 500 names (3 runs)':<36}{statistics.median(bulk):>10.1f}{max(bulk):>10.1f}"
          f"{counter.count:>6}")


if __name__ == "__main__":
    main()
