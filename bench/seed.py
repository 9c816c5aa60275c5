"""Realistic data for the load benchmark: 50,000 applications in 160 districts over this year and the last,
in every life-cycle status, with cohorts, training days, attendance marks, yearly plans, and staff accounts with a
known password in one district (an employment-centre officer, four trainers whose cohorts meet today, a national
administrator).

    .venv/bin/python bench/seed.py [DATABASE_URL]      # seeds and prints what it made (a throw-away SQLite file)

Rows go in by bulk Core inserts: the ORM would spend minutes on 50,000 objects. Every applicant's statuses agree
with the dates of their cohort (finished, in training today, or still to start), so that no page "moves a cohort
on" while it is measured. Attendance is marked for this year's cohorts, for every day up to yesterday.
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bastau import rules  # noqa: E402
from bastau.access_codes import hash_code  # noqa: E402
from bastau.clock import today  # noqa: E402
from bastau.dashboard import tallies  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.models import (  # noqa: E402
    Application,
    Attendance,
    Cohort,
    District,
    DistrictPlan,
    NationalPlan,
    RegionPlan,
    Role,
    TrainingDay,
    User,
)

APPLICATIONS = 50_000
DISTRICTS = 160
HOME_KATO = "195200000"  # Қарасай ауданы, the demo district: the staff accounts work here
HOME_APPLICATIONS = 1_200  # this year; a large district, so that the officer's queue holds a few hundred
LAST_YEAR_SHARE = 0.2
COHORT_SIZE = 25
TRAINING_DAYS = 25
DAY_OF_TODAY = 11  # the cohorts in training meet today for their 11th day
PASSWORD = "bench-password-1"
LOOKUP_CODE = "20262026"
LOOKUPS = 1_000  # applications whose access code is known: the status look-up allows 20 guesses per reference an hour
SURNAMES = ["Ахметов", "Серікбаева", "Жұмабеков", "Иванова", "Қасымов", "Әбенова", "Нұрланов", "Төлеуова",
            "Оспанов", "Ким", "Ғалымова", "Бекұлы", "Сәрсенов", "Үсенова", "Ілиясов", "Петров"]
NAMES = ["Айгерім", "Болат", "Гүлжан", "Ерлан", "Дана", "Марат", "Әсел", "Нұрлан", "Сәуле", "Тимур"]
# Statuses of people not (or not yet) in a cohort, with their weights; last year's intake has ended.
WAITING = {"submitted": 30, "target_group_confirmed": 15, "not_target_group": 10, "list_approved": 12,
           "test_passed": 6, "test_failed": 8, "withdrawn": 4}
ENDED = {"not_target_group": 4, "test_failed": 3, "withdrawn": 1}
# Statuses inside a cohort by where the cohort stands.
FINISHED = {"training_completed": 3, "defended": 6, "not_defended": 1, "referred_for_financing": 2,
            "loan_approved": 2, "loan_declined": 1, "expelled": 1}
TRAINING = {"in_training": 12, "expelled": 1}
STARTING = {"enrolled": 1}


@dataclass
class Trainer:
    username: str
    day_id: int  # today's training day of the trainer's cohort
    cohort_id: int
    participants: list[int]  # on today's register


@dataclass
class SeedInfo:
    url: str
    applications: int
    districts: int
    cohorts: int
    marks: int
    seconds: float
    home_district: int
    home_region: int
    password: str
    officer: str
    admin: str
    trainers: list[Trainer]
    lookups: list[tuple[str, str, str]] = field(default_factory=list)  # (reference, IIN, access code)


@dataclass
class _Plan:
    """One district's cohorts of a year: (number, phase, start date)."""
    cohorts: list[tuple[int, str, date]]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _iins():
    """Distinct valid IINs of adults born 1960–1984 (the load test makes its own from 1985 on)."""
    used, serial, born = set(), 0, date(1960, 1, 1)
    while True:
        serial += 2  # compose_iin may step onto serial + 1 when a check digit does not exist
        if serial >= 9990:
            serial, born = 0, born + timedelta(days=1)
        iin = rules.compose_iin(born, "female" if serial % 4 else "male", serial)
        if iin not in used:
            used.add(iin)
            yield iin, born


def _year_plans(year: int, this_year: int, home: int, districts: list[int]) -> dict[int, _Plan]:
    now = today()
    plans = {}
    for d in districts:
        if year < this_year:
            plans[d] = _Plan([(n, "finished", date(year, 3, 1) + timedelta(days=40 * (n - 1))) for n in (1, 2)])
        elif d == home:  # four cohorts meet today, one per bench trainer
            plans[d] = _Plan([(1, "finished", now - timedelta(days=150)), (2, "finished", now - timedelta(days=100))]
                             + [(n, "training", now - timedelta(days=DAY_OF_TODAY - 1)) for n in (3, 4, 5, 6)])
        else:
            plans[d] = _Plan([(1, "finished", now - timedelta(days=150)), (2, "finished", now - timedelta(days=100)),
                              (3, "finished", now - timedelta(days=50)),
                              (4, "training", now - timedelta(days=DAY_OF_TODAY - 1)),
                              (5, "starting", now + timedelta(days=20))])
    return plans


def _staff(home: int) -> tuple[User, User, list[User]]:
    def account(username, role, **kwargs):
        user = User(username=username, full_name="Бенч Қызметкер", role=role, must_change_password=False, **kwargs)
        user.password_hash = password_hash
        return user
    password_hash = generate_password_hash(PASSWORD)
    admin = account("bench-admin", Role.NATIONAL_ADMIN)
    officer = account("bench-officer", Role.CENTRE_OFFICER, district_id=home)
    trainers = [account(f"bench-trainer-{n}", Role.TRAINER, district_id=home) for n in range(1, 5)]
    db.session.add_all([admin, officer, *trainers])
    db.session.flush()
    return admin, officer, trainers


def _cohorts(plans_by_year, admin: User, home: int, home_trainers: list[User]) -> dict:
    """Insert the cohorts and their days; returns {(district, year, number): (cohort id, phase)}."""
    this_year = max(plans_by_year)
    rows = []
    for year, plans in plans_by_year.items():
        for d, plan in plans.items():
            for number, _phase, start in plan.cohorts:
                mine = d == home and year == this_year and number >= 3
                rows.append({"district_id": d, "programme_year": year, "number": number, "language": "kk",
                             "venue": "Аудандық мәдениет үйі", "start_date": start, "training_days": TRAINING_DAYS,
                             "capacity": 30, "trainer_id": home_trainers[number - 3].id if mine else None,
                             "created_by_id": admin.id})
    # One trainer account per district for everyone else's cohorts (no usable password).
    needed = sorted({row["district_id"] for row in rows if row["trainer_id"] is None})
    db.session.execute(sa.insert(User), [
        {"username": f"trainer-{d}", "full_name": "Жаттықтырушы", "role": "trainer", "district_id": d,
         "password_hash": "-", "must_change_password": False} for d in needed])
    trainer_of = dict(db.session.execute(
        sa.select(User.district_id, User.id).where(User.username.like("trainer-%"))).all())
    for row in rows:
        row["trainer_id"] = row["trainer_id"] or trainer_of[row["district_id"]]
    db.session.execute(sa.insert(Cohort), rows)
    phases = {(d, y, number): phase for y, plans in plans_by_year.items() for d, plan in plans.items()
              for number, phase, _start in plan.cohorts}
    cohorts = {}
    for cid, d, y, number, start in db.session.execute(
            sa.select(Cohort.id, Cohort.district_id, Cohort.programme_year, Cohort.number, Cohort.start_date)):
        cohorts[(d, y, number)] = (cid, phases[(d, y, number)], start)
    # Consecutive days keep the schedule simple; the app's own generator skips Sundays and holidays.
    days = [{"cohort_id": cid, "day_number": k, "date": start + timedelta(days=k - 1),
             "module_number": rules.module_of_day(k - 1, TRAINING_DAYS)}
            for cid, _phase, start in cohorts.values() for k in range(1, TRAINING_DAYS + 1)]
    db.session.execute(sa.insert(TrainingDay), days)
    return cohorts


def _applications(rng, plans_by_year, cohorts, home, districts, this_year) -> tuple[list, str]:
    """Rows for every application; a slice of them gets the known access code."""
    iins = _iins()
    known_hash = hash_code(LOOKUP_CODE)
    unknown_hash = hash_code(f"{rng.randrange(10**8):08d}")
    last_year = round(APPLICATIONS * LAST_YEAR_SHARE)
    this_year_rest = APPLICATIONS - last_year - HOME_APPLICATIONS
    counts = {(d, this_year - 1): last_year // len(districts) + (i < last_year % len(districts))
              for i, d in enumerate(districts)}
    others = [d for d in districts if d != home]
    counts |= {(d, this_year): this_year_rest // len(others) + (i < this_year_rest % len(others))
               for i, d in enumerate(others)}
    counts[(home, this_year)] = HOME_APPLICATIONS
    rows, n = [], 0
    for (d, year), count in counts.items():
        people = []
        for number, phase, _start in plans_by_year[year][d].cohorts:
            weights = {"finished": FINISHED, "training": TRAINING, "starting": STARTING}[phase]
            people += [(cohorts[(d, year, number)][0], _pick(rng, weights)) for _ in range(COHORT_SIZE)]
        people = people[:count]
        people += [(None, _pick(rng, WAITING if year == this_year else ENDED)) for _ in range(count - len(people))]
        for cohort_id, status in people:
            iin, born = next(iins)
            rows.append(application_row(
                rng, n, year=year, district_id=d, status=status, cohort_id=cohort_id, iin=iin, born=born,
                access_code_hash=known_hash if n % (APPLICATIONS // LOOKUPS) == 0 else unknown_hash))
            n += 1
    return rows, known_hash


def application_row(rng: random.Random, n: int, *, year: int, district_id: int, status: str, cohort_id: int | None,
                    iin: str, born: date, access_code_hash: str) -> dict:
    """The `n`th bench application's row for a bulk insert: names, phone and answers drawn from `rng`."""
    created = datetime(year, 2, 1) + timedelta(minutes=7 * n % 200_000)
    return {
        "programme_year": year, "iin": iin, "surname": rng.choice(SURNAMES), "first_name": rng.choice(NAMES),
        "patronymic": None, "birth_date": born, "sex": "male" if int(iin[6]) % 2 else "female",
        "phone": f"+7701{rng.randrange(10**7):07d}", "district_id": district_id,
        "social_status": rng.choice(["unemployed", "self_employed"]),
        "education": rng.choice(["basic", "secondary", "vocational", "higher"]),
        "channel": rng.choice(["akimat", "employment_centre", "chamber_branch"]), "status": status,
        "access_code_hash": access_code_hash, "submission_key": f"bench-{n}", "language": "kk",
        "consent_version": "2026-1", "consent_language": "kk", "consent_at": created, "cohort_id": cohort_id,
        "entered_by_id": None, "created_at": created, "updated_at": created}


def _marks(rng, cohorts, this_year, admin_id) -> int:
    """Attendance of this year's cohorts for every day before today (90 % present)."""
    now = today()
    day_ids: dict[int, list[int]] = {}
    for day_id, cid, day in db.session.execute(sa.select(TrainingDay.id, TrainingDay.cohort_id, TrainingDay.date)
                                               .join(Cohort).where(Cohort.programme_year == this_year)):
        if day < now:
            day_ids.setdefault(cid, []).append(day_id)
    marks, count = [], 0
    for application_id, cid in db.session.execute(sa.select(Application.id, Application.cohort_id)
                                                  .where(Application.cohort_id.in_(list(day_ids)))):
        for day_id in day_ids[cid]:
            roll = rng.random()
            marks.append({"training_day_id": day_id, "application_id": application_id,
                          "mark": "present" if roll < 0.9 else "absent" if roll < 0.95 else "excused",
                          "reason": "illness" if roll >= 0.95 else None,
                          "recorded_by_id": admin_id, "recorded_at": datetime.combine(now, datetime.min.time())})
            if len(marks) == 50_000:
                db.session.execute(sa.insert(Attendance), marks)
                count, marks = count + len(marks), []
    if marks:
        db.session.execute(sa.insert(Attendance), marks)
    return count + len(marks)


def _yearly_plans(years: list[int], all_districts) -> None:
    per_region: dict[int, int] = {}
    for _d, region in all_districts:
        per_region[region] = per_region.get(region, 0) + 65
    for year in years:
        db.session.add(NationalPlan(year=year, people=sum(per_region.values())))
        db.session.execute(sa.insert(RegionPlan), [{"year": year, "region_id": r, "people": p}
                                                   for r, p in per_region.items()])
        db.session.execute(sa.insert(DistrictPlan), [{"year": year, "district_id": d, "people": 65}
                                                     for d, _r in all_districts])


def seed(url: str) -> SeedInfo:
    """Empty the database at `url`, migrate it, load reference data, and seed it (see the module's docstring)."""
    started = time.perf_counter()
    app, url, _counter = common.fresh_app("load", url)
    rng = random.Random(7)
    this_year = today().year
    with app.app_context():
        all_districts = db.session.execute(sa.select(District.id, District.region_id).order_by(District.id)).all()
        home = db.session.scalar(sa.select(District.id).where(District.kato_code == HOME_KATO))
        districts = [home] + [d for d, _r in all_districts if d != home][:DISTRICTS - 1]
        admin, officer, trainers = _staff(home)
        plans = {year: _year_plans(year, this_year, home, districts) for year in (this_year - 1, this_year)}
        cohorts = _cohorts(plans, admin, home, trainers)
        rows, known_hash = _applications(rng, plans, cohorts, home, districts, this_year)
        for start in range(0, len(rows), 10_000):
            db.session.execute(sa.insert(Application), rows[start:start + 10_000])
        marks = _marks(rng, cohorts, this_year, admin.id)
        _yearly_plans([this_year - 1, this_year], all_districts)
        tallies.recount(db.session.connection())  # bulk inserts bypass the dashboard tallies' session events
        db.session.commit()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # fresh statistics, as a live database has
        lookups = [(f"{Application.REFERENCE_PREFIX}-{year}-{i:06d}", iin, LOOKUP_CODE) for i, year, iin in
                   db.session.execute(sa.select(Application.id, Application.programme_year, Application.iin)
                                      .where(Application.access_code_hash == known_hash).order_by(Application.id))]
        info = SeedInfo(url=url, applications=len(rows), districts=len(districts), cohorts=len(cohorts), marks=marks,
                        seconds=0.0, home_district=home,
                        home_region=dict(all_districts)[home], password=PASSWORD, officer=officer.username,
                        admin=admin.username, trainers=_trainer_days(trainers), lookups=lookups)
    info.seconds = time.perf_counter() - started
    return info


def _trainer_days(trainers: list[User]) -> list[Trainer]:
    """Each bench trainer's cohort, today's training day and who is on its register."""
    found = []
    for trainer in trainers:
        cohort_id, day_id = db.session.execute(
            sa.select(Cohort.id, TrainingDay.id).join(TrainingDay)
            .where(Cohort.trainer_id == trainer.id, TrainingDay.date == today())).one()
        people = db.session.scalars(sa.select(Application.id).where(
            Application.cohort_id == cohort_id, Application.status == "in_training").order_by(Application.id)).all()
        found.append(Trainer(trainer.username, day_id, cohort_id, list(people)))
    return found


def main() -> None:
    info = seed(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"{info.url.split(':')[0]}: {info.applications:,} applications in {info.districts} districts, "
          f"{info.cohorts:,} cohorts, {info.marks:,} attendance marks, {len(info.lookups)} known access codes "
          f"in {info.seconds:.1f} s")


if __name__ == "__main__":
    main()
