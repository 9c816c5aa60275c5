"""Each role sees only the details of a person it needs (bastau/access.py SEES): the table itself, and the pages."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bastau import audit, demo
from bastau.access import SEES, Detail, sees
from bastau.extensions import db
from bastau.models import Application, Role, SmsMessage, TrainingDay, User
from tests.conftest import login, page_text

NOT_FOR_THE_FRONT_DESK = {Detail.COMMISSION_NOTES, Detail.DEFENCE_SCORES, Detail.LOAN_DATA, Detail.ABSENCE_REASONS}


@pytest.mark.parametrize("role, seen, not_seen", [
    (Role.OPERATOR, {Detail.IIN, Detail.PHONE}, NOT_FOR_THE_FRONT_DESK),
    (Role.CENTRE_OFFICER, {Detail.IIN, Detail.PHONE}, NOT_FOR_THE_FRONT_DESK),
    (Role.TRAINER, {Detail.PHONE, Detail.ABSENCE_REASONS, Detail.BUSINESS_PLAN},
     {Detail.IIN, Detail.BIRTH_DATE, Detail.COMMISSION_NOTES, Detail.DEFENCE_SCORES, Detail.LOAN_DATA}),
    (Role.COMMISSION, {Detail.COMMISSION_NOTES, Detail.DEFENCE_SCORES, Detail.BUSINESS_PLAN},
     {Detail.IIN, Detail.PHONE, Detail.BIRTH_DATE, Detail.LOAN_DATA}),
    (Role.CHAMBER_STAFF, set(Detail), set()),
    (Role.NATIONAL_ADMIN, set(Detail), set()),
])
def test_the_table_of_what_each_role_sees(role, seen, not_seen):
    user = User(role=role)
    assert all(sees(user, detail) for detail in seen)
    assert not any(sees(user, detail) for detail in not_seen)


def test_every_role_is_in_the_table():
    assert set(SEES) == set(Role)


MARKS = {"commission": "Соңғы ескерту берілді", "loan": "Несие шарты №77-2026", "defence": "82% орташа"}


@pytest.fixture
def world(app):
    with app.app_context():
        demo.load()
        graduate = db.session.scalar(sa.select(Application).where(Application.surname == "Әбілқасымова"))
        trainee = db.session.scalar(sa.select(Application).where(Application.surname == "Дүйсенбаев"))
        # the first account of each role: the demo staff, not the extra ones of other regions
        users = {user.role: user for user in db.session.scalars(sa.select(User).order_by(User.id.desc()))}
        audit.record("kept_in_training", users[Role.COMMISSION], graduate, reason="last_warning",
                     note=MARKS["commission"])
        audit.record("loan_issued", users[Role.CHAMBER_STAFF], graduate, note=MARKS["loan"])
        audit.record("defence_result", users[Role.CHAMBER_STAFF], graduate, note=MARKS["defence"])
        db.session.commit()
        day = db.session.scalar(sa.select(TrainingDay).where(TrainingDay.cohort_id == trainee.cohort_id)
                                .order_by(TrainingDay.day_number).limit(1))
        for user in users.values():
            db.session.refresh(user)
            db.session.expunge(user)
        return {"users": users, "graduate": graduate.id, "trainee": trainee.id, "trainee_iin": trainee.iin,
                "trainee_phone": trainee.phone, "cohort": trainee.cohort_id, "day": day.id,
                "graduate_iin": graduate.iin, "loan_sms": db.session.scalar(sa.select(SmsMessage.text).where(
                    SmsMessage.application_id == graduate.id, SmsMessage.kind == "loan_approved"))}


def client_of(app, user):
    client = app.test_client()
    login(client, user, demo.DEMO_PASSWORD)
    return client


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CENTRE_OFFICER])
def test_the_front_desk_and_the_centre_see_no_commission_defence_or_loan_words(app, world, role):
    page = page_text(client_of(app, world["users"][role]).get(f"/staff/applications/{world['graduate']}"))
    assert world["graduate_iin"] in page  # they do need the IIN
    for mark in MARKS.values():
        assert mark not in page
    assert world["loan_sms"] not in page  # the SMS about the loan: its kind, not its text


def test_the_chamber_sees_the_whole_history(app, world):
    page = page_text(client_of(app, world["users"][Role.CHAMBER_STAFF]).get(f"/staff/applications/{world['graduate']}"))
    for mark in MARKS.values():
        assert mark in page
    assert world["loan_sms"] in page


def test_a_trainer_never_sees_an_iin_and_a_phone_only_to_call_about_absences(app, world):
    client = client_of(app, world["users"][Role.TRAINER])
    with app.app_context():
        people = db.session.scalars(sa.select(Application).where(Application.cohort_id == world["cohort"])).all()
        iins, phones = {a.iin for a in people}, {digits(a.phone)[-10:] for a in people}
    pages = {path: page_text(client.get(path)) for path in (
        "/trainer/", f"/trainer/cohorts/{world['cohort']}", f"/trainer/days/{world['day']}",
        f"/plans/applications/{world['trainee']}")}
    for path, page in pages.items():
        assert not [iin for iin in iins if iin in page], path
    for path in (f"/trainer/cohorts/{world['cohort']}", f"/plans/applications/{world['trainee']}"):
        assert not [p for p in phones if p in digits(pages[path])], path
    # The desk's absence warnings carry the phone of the flagged participant, to call today.
    assert digits(world["trainee_phone"])[-10:] in digits(pages["/trainer/"])


def test_the_commission_sees_neither_iin_nor_phone(app, world):
    client = client_of(app, world["users"][Role.COMMISSION])
    paths = [f"/commission/participants/{world['trainee']}", "/attendance/flagged",
             f"/plans/applications/{world['trainee']}"]
    for path in paths:
        response = client.get(path)
        page = page_text(response)
        assert response.status_code == 200, path
        assert world["trainee_iin"] not in page and digits(world["trainee_phone"])[-10:] not in digits(page), path
