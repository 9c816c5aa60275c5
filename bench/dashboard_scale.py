"""The dashboard at national scale: 500,000 applications over 10 years in every district, 6 cohorts a year per
district, certificates, loans and follow-ups for the trained, and attendance for a sample of this year's cohorts.

    .venv/bin/python bench/dashboard_scale.py            # SQLite (a throw-away file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/dashboard_scale.py

Attendance: every participant of this year's cohorts in ATTENDANCE_DISTRICTS districts, for all 25 training days
(about 100,000 marks); marking every cohort of ten years (~14,000 cohorts, ~9 million marks) would take SQLite
far longer to seed than the measurement itself and changes nothing in the shape of the queries.

Prints, per page: median (of 5) and worst time, median CPU time (time.process_time), and the number of SQL statements (to show there is no N+1).
The figures are summed from the dashboard tallies (bastau/dashboard/tallies.py), recounted once after seeding. Not a test: it measures.
"""
from __future__ import annotations

import os
import random
import re
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bastau.dashboard import tallies  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.models import (  # noqa: E402
    Application,
    Attendance,
    BusinessFollowUp,
    Certificate,
    Cohort,
    District,
    DistrictPlan,
    LoanReferral,
    NationalPlan,
    Region,
    RegionPlan,
    Role,
    TrainingDay,
    User,
)

TOTAL = int(os.environ.get("BENCH_TOTAL", 500_000))  # smaller while developing: BENCH_TOTAL=5000
YEARS = 10
ATTENDANCE_DISTRICTS = 50
TRAINING_DAYS = 25
PRE = ["submitted", "target_group_confirmed", "not_target_group", "list_approved", "test_failed", "withdrawn"]
IN_COHORT = ["enrolled", "in_training", "expelled", "training_completed", "defended", "not_defended",
             "referred_for_financing", "loan_approved", "loan_declined"]
TRAINED = {"training_completed", "defended", "not_defended", "referred_for_financing", "loan_approved",
           "loan_declined"}
DEFENDED = {"defended", "referred_for_financing", "loan_approved", "loan_declined"}


def _insert(model, rows: list, force: bool = False) -> list:
    if rows and (force or len(rows) >= 20_000):
        db.session.execute(sa.insert(model), rows)
        return []
    return rows


def seed(app) -> dict:
    rng = random.Random(7)
    this_year = date.today().year
    years = list(range(this_year - YEARS + 1, this_year + 1))
    with app.app_context():
        districts = db.session.scalars(sa.select(District.id).order_by(District.id)).all()
        regions = db.session.execute(sa.select(District.id, District.region_id)).all()
        admin = User(username="bench-admin", full_name="Бенч Әкімші", role=Role.NATIONAL_ADMIN,
                     must_change_password=False)
        admin.set_password("bench-password-1")
        trainers = [User(username=f"bench-trainer-{d}", full_name=f"Жаттықтырушы {d}", role=Role.TRAINER,
                         district_id=d, password_hash="x", must_change_password=False) for d in districts]
        db.session.add(admin)
        db.session.add_all(trainers)
        db.session.flush()
        trainer_of = {t.district_id: t.id for t in trainers}
        cohort_rows = [{"district_id": d, "programme_year": y, "number": n, "language": "kk" if n % 2 else "ru",
                        "venue": "Орталық", "start_date": date(y, 4, 1) + timedelta(days=30 * (n - 1)),
                        "training_days": TRAINING_DAYS, "capacity": 30, "trainer_id": trainer_of[d],
                        "created_by_id": admin.id} for y in years for d in districts for n in range(1, 7)]
        db.session.execute(sa.insert(Cohort), cohort_rows)
        cohorts = {(d, y, n): cid for cid, d, y, n in db.session.execute(
            sa.select(Cohort.id, Cohort.district_id, Cohort.programme_year, Cohort.number))}
        db.session.add(NationalPlan(year=this_year, people=15_000))
        per_region: dict[int, int] = {}
        for _district, r in regions:
            per_region[r] = per_region.get(r, 0) + 65
        db.session.add_all([RegionPlan(year=this_year, region_id=r, people=p) for r, p in per_region.items()])
        db.session.add_all([DistrictPlan(year=this_year, district_id=d, people=65) for d in districts])
        db.session.commit()

        apps, n = [], 0
        for n in range(TOTAL):
            year = years[n % YEARS]
            place = rng.choice(districts)
            in_cohort = rng.random() < 0.7
            status = rng.choice(IN_COHORT) if in_cohort else rng.choice(PRE)
            apps.append({
                "programme_year": year, "iin": f"{n:012d}", "surname": "Бенчов", "first_name": "Тест",
                "patronymic": None, "birth_date": date(1980 + n % 20, 1 + n % 12, 1 + n % 28), "sex": "male",
                "phone": "+77011234567", "district_id": place, "social_status": "unemployed",
                "education": "secondary", "channel": "akimat", "status": status, "access_code_hash": "-",
                "submission_key": f"bench-{n}", "language": "kk", "consent_version": "2026-1",
                "consent_language": "kk", "consent_at": datetime(year, 4, 1),
                "cohort_id": cohorts[(place, year, 1 + n % 6)] if in_cohort else None,
                "created_at": datetime(year, 4, 1), "updated_at": datetime(year, 4, 1)})
            apps = _insert(Application, apps)
        _insert(Application, apps, force=True)
        db.session.commit()

        certificates, loans, follow_ups = [], [], []
        people = db.session.execute(sa.select(Application.id, Application.status, Application.cohort_id)
                                    .where(Application.cohort_id.is_not(None)))
        for application_id, status, cohort_id in people:
            status = getattr(status, "value", status)
            if status in TRAINED:
                certificates.append({"application_id": application_id, "number": f"B-{application_id}",
                                     "kind": "completion" if status in DEFENDED else "participation",
                                     "cohort_id": cohort_id, "language": "kk", "issued_on": date(2020, 6, 1),
                                     "issued_by_id": admin.id})
                certificates = _insert(Certificate, certificates)
            if status in ("referred_for_financing", "loan_approved", "loan_declined"):
                issued = status == "loan_approved"
                loans.append({"application_id": application_id, "institution": "damu",
                              "amount_requested": 3_000_000, "term_months": 36, "rate_percent": 6,
                              "referred_on": date(2020, 6, 1), "referred_by_id": admin.id,
                              "outcome": "issued" if issued else "pending",
                              "issued_on": date(2020, 7, 1) if issued else None,
                              "issued_amount": 3_000_000 if issued else None, "updated_at": datetime(2020, 7, 1)})
                loans = _insert(LoanReferral, loans)
            if status in DEFENDED:
                for months in (6, 12):
                    opened = rng.random() < 0.5
                    follow_ups.append({"application_id": application_id, "months_after": months,
                                       "business_opened": opened, "opened_on": None, "registered_as_ie": False,
                                       "jobs_created": rng.randint(1, 4) if opened else 0,
                                       "recorded_by_id": admin.id, "recorded_at": datetime(2020, 12, 1)})
                follow_ups = _insert(BusinessFollowUp, follow_ups)
        _insert(Certificate, certificates, force=True)
        _insert(LoanReferral, loans, force=True)
        _insert(BusinessFollowUp, follow_ups, force=True)
        db.session.commit()

        marked = set(districts[:ATTENDANCE_DISTRICTS])
        sample = [cid for (d, y, _), cid in cohorts.items() if y == this_year and d in marked]
        days = [{"cohort_id": cid, "day_number": k, "date": date(this_year, 4, 1) + timedelta(days=k),
                 "module_number": 1 + (k - 1) % 12} for cid in sample for k in range(1, TRAINING_DAYS + 1)]
        db.session.execute(sa.insert(TrainingDay), days)
        day_ids: dict[int, list[int]] = {}
        for day_id, cid in db.session.execute(sa.select(TrainingDay.id, TrainingDay.cohort_id)):
            day_ids.setdefault(cid, []).append(day_id)
        marks, count = [], 0
        for application_id, cid in db.session.execute(sa.select(Application.id, Application.cohort_id)
                                                      .where(Application.cohort_id.in_(sample))):
            for day_id in day_ids[cid]:
                roll = rng.random()
                marks.append({"training_day_id": day_id, "application_id": application_id,
                              "mark": "present" if roll < 0.9 else "absent" if roll < 0.96 else "excused",
                              "recorded_by_id": admin.id, "recorded_at": datetime(this_year, 4, 2)})
                count += 1
                marks = _insert(Attendance, marks)
        _insert(Attendance, marks, force=True)
        db.session.commit()
        # the bulk inserts above bypass the session's events that keep the dashboard's tallies
        tallies.recount(db.session.connection())
        db.session.commit()
        some_region = db.session.scalar(sa.select(Region.id).order_by(Region.id))
        return {"cohorts": len(cohorts), "marks": count, "region": some_region, "district": districts[0],
                "certificates": db.session.scalar(sa.select(sa.func.count(Certificate.id))),
                "loans": db.session.scalar(sa.select(sa.func.count(LoanReferral.id))),
                "follow_ups": db.session.scalar(sa.select(sa.func.count(BusinessFollowUp.id)))}


def timed(client, counter, url, repeat=5):
    """Median and worst wall milliseconds, median CPU milliseconds of this process (time.process_time: what the
    server spends; on SQLite that includes the database's work), and the most SQL statements of one request."""
    cpu = []
    for _ in range(repeat):
        started = time.process_time()
        common.timed(client, counter, "GET", url, repeat=1, ok=(200,))
        cpu.append(time.process_time() - started)
    median, worst, statements = common.timed(client, counter, "GET", url, repeat=repeat, ok=(200,))
    return median, worst, sorted(cpu)[len(cpu) // 2] * 1000, statements


def main() -> None:
    app, url, counter = common.fresh_app("dashboard")
    started = time.perf_counter()
    facts = seed(app)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # fresh statistics, as a live database has
    print(f"database: {url.split(':')[0]}; seeded {TOTAL:,} applications over {YEARS} years, "
          f"{facts['cohorts']:,} cohorts, {facts['certificates']:,} certificates, {facts['loans']:,} referrals, "
          f"{facts['follow_ups']:,} follow-ups, {facts['marks']:,} attendance marks "
          f"in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/staff/login", data={"login": "bench-admin", "password": "bench-password-1", "csrf_token": token})
    year = date.today().year
    rows = [
        ("national", f"/dashboard?year={year}"),
        ("national, cohort 3 + ru", f"/dashboard?year={year}&cohort=3&language=ru"),
        ("national, CSV", f"/dashboard?year={year}&format=csv"),
        ("region", f"/dashboard/regions/{facts['region']}?year={year}"),
        ("district", f"/dashboard/districts/{facts['district']}?year={year}"),
        ("trainers, national", f"/dashboard/trainers?year={year}"),
    ]
    print(f"\n{'page (5 runs)':<28}{'median ms':>10}{'worst ms':>10}{'CPU ms':>8}{'SQL':>6}")
    for name, path in rows:
        median, worst, cpu, statements = timed(client, counter, path)
        print(f"{name:<28}{median:>10.1f}{worst:>10.1f}{cpu:>8.1f}{statements:>6}")


if __name__ == "__main__":
    main()
