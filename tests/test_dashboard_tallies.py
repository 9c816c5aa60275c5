"""The dashboard's tallies equal a full recount after any sequence of changes (issue 18): a seeded random walk
over the life cycle's moves (lifecycle.move_to, the one door for statuses), cohort and district changes,
certificates, loan referrals and decisions, follow-ups and their removal; and the migration's own fill equals
the app's recount."""
from __future__ import annotations

import importlib.util
import random
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau.clock import today
from bastau.dashboard import tallies
from bastau.extensions import db
from bastau.lifecycle import GROUPS, LIFE_CYCLE, move_to
from bastau.models import (Application, BusinessFollowUp, Certificate, CertificateKind, Cohort, DashboardTally,
                           LoanReferral, Role, User)
from tests.conftest import district

YEAR = today().year
PLACES = ("195200000", "193600000", "615200000")
MIGRATION = Path(__file__).resolve().parent.parent / "migrations/versions/a18d00000001_dashboard_tally.py"


def recounted() -> dict:
    return {key: figures for key, figures in tallies.contributions(db.session.connection()).items()
            if any(figures.values())}


@pytest.fixture
def walk_world(app, make_application):
    with app.app_context():
        places = [district(code).id for code in PLACES]
        staff = User(username="tally-staff", full_name="Санақ Қызметкері", role=Role.NATIONAL_ADMIN,
                     password_hash="x", must_change_password=False)
        db.session.add(staff)
        db.session.flush()
        cohorts = []
        for place in places:
            for number, language in ((1, "kk"), (2, "ru")):
                group = Cohort(district_id=place, programme_year=YEAR, number=number, language=language,
                               venue="Орталық", start_date=date(YEAR, 4, 1), training_days=25, capacity=20,
                               trainer_id=staff.id, created_by_id=staff.id)
                db.session.add(group)
                cohorts.append(group)
        db.session.commit()
        world = {"staff": staff.id, "places": places, "cohorts": [(c.id, c.district_id) for c in cohorts]}
    world["people"] = [make_application(PLACES[n % 3]) for n in range(12)]
    return world


def _step(rng: random.Random, world: dict) -> str:
    """One random change, through the ORM as the services make it; returns what it did."""
    person = db.session.get(Application, rng.choice(world["people"]))
    choice = rng.random()
    moves = LIFE_CYCLE[person.status].moves
    if choice < 0.55 and moves:
        forward = [s for s, move in moves.items() if not move.correction and s not in GROUPS["final"]]
        target = rng.choice(sorted(forward if forward and rng.random() < 0.85 else moves, key=lambda s: s.value))
        if target in GROUPS["enrolled"] and person.cohort_id is None:
            person.cohort_id = rng.choice([c for c, d in world["cohorts"] if d == person.district_id])
        move_to(person, target, by=sorted(moves[target].by)[0])
        return f"move {person.id} to {target.value}"
    if choice < 0.62:
        person.cohort_id = rng.choice([None] + [c for c, _ in world["cohorts"]])
        return f"cohort of {person.id}"
    if choice < 0.67:
        person.district_id = rng.choice(world["places"])
        return f"district of {person.id}"
    if choice < 0.75:
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.application_id == person.id))
        if certificate is None and person.cohort_id:
            db.session.add(Certificate(application=person, number=f"T-{person.id}-{rng.randrange(10**6)}",
                                       kind=rng.choice(list(CertificateKind)), cohort_id=person.cohort_id,
                                       language="kk", issued_on=date(YEAR, 6, 1)))
        elif certificate is not None:
            db.session.delete(certificate) if rng.random() < 0.3 else setattr(
                certificate, "kind", rng.choice(list(CertificateKind)))
        return f"certificate of {person.id}"
    if choice < 0.87:
        referral = db.session.scalar(sa.select(LoanReferral).where(LoanReferral.application_id == person.id))
        if referral is None or rng.random() < 0.2:
            db.session.add(LoanReferral(application_id=person.id, institution="damu", amount_requested=3_000_000,
                                        term_months=36, rate_percent=6, referred_on=date(YEAR, 6, 1),
                                        referred_by_id=world["staff"]))
        elif rng.random() < 0.7:
            referral.issued_on, referral.issued_amount = date(YEAR, 7, 1), rng.choice([None, 1_000_000, 2_500_000])
        else:
            referral.issued_on = None
        return f"loan of {person.id}"
    months = rng.choice((6, 12))
    check = db.session.scalar(sa.select(BusinessFollowUp).where(BusinessFollowUp.application_id == person.id,
                                                                BusinessFollowUp.months_after == months))
    if check is None:
        opened = rng.random() < 0.6
        db.session.add(BusinessFollowUp(application_id=person.id, months_after=months, business_opened=opened,
                                        jobs_created=rng.randint(1, 4) if opened else 0,
                                        recorded_by_id=world["staff"]))
    elif rng.random() < 0.3:
        db.session.delete(check)
    else:
        check.business_opened = not check.business_opened
        check.jobs_created = rng.randint(0, 5)
    return f"follow-up of {person.id}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tallies_equal_a_recount_after_every_step(app, walk_world, seed):
    rng = random.Random(seed)
    with app.app_context():
        assert tallies.tallies(db.session.connection()) == recounted()
        done = []
        for _ in range(150):
            done.append(_step(rng, walk_world))
            if rng.random() < 0.15:
                db.session.rollback()  # a refused form: nothing it did is counted
                done.append("rollback")
            else:
                db.session.commit()
            assert tallies.tallies(db.session.connection()) == recounted(), done[-5:]
        # the walk reached the counted columns, so the comparison above was not of zeros
        reached = {name for figures in recounted().values() for name, value in figures.items() if value}
        assert {"applied", "confirmed", "enrolled", "trained", "referred"} <= reached
        assert {"completion", "participation"} & reached


def test_several_changes_in_one_flush_and_a_new_person(app, walk_world, make_application):
    with app.app_context():
        people = [db.session.get(Application, i) for i in walk_world["people"][:3]]
        for person in people:
            person.district_id = walk_world["places"][2]
        move_to(people[0], sorted(LIFE_CYCLE[people[0].status].moves, key=lambda s: s.value)[0],
                by=sorted(LIFE_CYCLE[people[0].status].moves[sorted(LIFE_CYCLE[people[0].status].moves,
                                                                    key=lambda s: s.value)[0]].by)[0])
        db.session.commit()
        assert tallies.tallies(db.session.connection()) == recounted()
    make_application(PLACES[0])
    with app.app_context():
        assert tallies.tallies(db.session.connection()) == recounted()


def test_recount_repairs_and_the_migration_fill_agrees(app, walk_world):
    with app.app_context():
        connection = db.session.connection()
        expected = recounted()
        connection.execute(sa.update(DashboardTally).values(applied=DashboardTally.applied + 7))
        assert tallies.tallies(connection) != expected
        tallies.recount(connection)
        assert tallies.tallies(connection) == expected
        spec = importlib.util.spec_from_file_location("tally_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        assert migration.REACHED == {name: tuple(sorted(s.value for s in GROUPS[name]))
                                     for name in migration.REACHED}
        connection.execute(sa.delete(DashboardTally))
        connection.execute(sa.text(migration.fill_sql()))
        assert tallies.tallies(connection) == expected
        db.session.rollback()


def test_cli_recount(app, walk_world):
    with app.app_context():
        expected = recounted()
        db.session.execute(sa.delete(DashboardTally))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["dashboard", "recount"])
    assert result.exit_code == 0 and "recounted" in result.output
    with app.app_context():
        assert tallies.tallies(db.session.connection()) == expected
