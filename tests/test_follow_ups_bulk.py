"""Follow-ups a year on: several recorded at once as "no business opened", through the rules of one, audited,
then a summary to read."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau import rules
from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    AuditEntry,
    BusinessFollowUp,
    Certificate,
    CertificateKind,
    Cohort,
    Role,
    Status,
    TrainingDay,
)
from tests.conftest import district, login, page_text, post_form, translated, translated_plural
from tests.journey import shows
from tests.test_loans import follow_up

OTHER = "615200000"


@pytest.fixture
def chamber(client, make_user):
    login(client, make_user(Role.CHAMBER_STAFF))
    return client


_numbers = iter(range(1, 7))


def trained(app, make_application, trainer_id, district_code="195200000", days_ago=400, names=("Оқыған",)):
    """Participants of one cohort, certified `days_ago` days ago."""
    issued_on = today() - timedelta(days=days_ago)
    with app.app_context():
        start = issued_on - timedelta(days=40)
        cohort = Cohort(district_id=district(district_code).id, programme_year=start.year, number=next(_numbers),
                        language="kk", venue="Зал", start_date=start, training_days=25, capacity=20,
                        trainer_id=trainer_id, created_by_id=trainer_id)
        cohort.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i), module_number=1 + i * 12 // 25)
                       for i in range(25)]
        db.session.add(cohort)
        db.session.commit()
        cohort_id = cohort.id
    people = [make_application(district_code, status=Status.NOT_DEFENDED, surname=name, cohort_id=cohort_id)
              for name in names]
    with app.app_context():
        for person in people:
            db.session.add(Certificate(application_id=person, number=rules.certificate_number(start.year),
                                       kind=CertificateKind.PARTICIPATION, cohort_id=cohort_id, language="kk",
                                       issued_on=issued_on))
        db.session.commit()
    return people


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER)


@pytest.fixture
def due(app, make_application, trainer):
    """Three trained participants certified 13 months ago: both follow-ups due for each."""
    global _numbers
    _numbers = iter(range(1, 7))
    return trained(app, make_application, trainer.id, names=("Әбенова", "Бекова", "Жанова"))


def not_opened(client, picks, **kwargs):
    return post_form(client, "/financing/follow-ups/not-opened", {"pick": picks, "action": "not_opened"},
                     page="/financing", **kwargs)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_several_follow_ups_recorded_as_not_opened_at_once(chamber, due, store, locale):
    chamber.set_cookie("lang", locale)
    page = page_text(chamber.get("/financing"))
    assert f'name="pick" value="{due[0]}-6"' in page and f'name="pick" value="{due[0]}-12"' in page
    response = not_opened(chamber, [f"{due[0]}-6", f"{due[0]}-12", f"{due[1]}-6"])
    assert response.status_code == 302 and response.location.startswith("/financing/follow-ups/recorded?")
    rows = store.scalars(sa.select(BusinessFollowUp))
    assert sorted((r.application_id, r.months_after, r.business_opened) for r in rows) == sorted(
        [(due[0], 6, False), (due[0], 12, False), (due[1], 6, False)])
    audited = store.scalars(sa.select(AuditEntry).where(AuditEntry.action == "follow_up_recorded"))
    assert sorted(e.application_id for e in audited) == sorted([due[0], due[0], due[1]])
    summary = chamber.get(response.location)
    body = page_text(summary)
    assert summary.status_code == 200 and "<form method=\"post\"" not in body.split('id="main"')[1]  # read-only
    assert shows(summary, translated_plural("%(num)d follow-up recorded as “no business opened”.",
                                            "%(num)d follow-ups recorded as “no business opened”.", 3, locale))
    table = re.search(r'id="recorded">(.*?)</table>', body, re.S).group(1)
    assert "Әбенова" in table and "Бекова" in table and "Жанова" not in table
    assert table.count(translated("Not opened", locale)) == 3
    # Those recorded are no longer due; the rest still is.
    after = page_text(chamber.get("/financing"))
    assert f'value="{due[0]}-6"' not in after and f'value="{due[1]}-12"' in after and f'value="{due[2]}-6"' in after


def test_nothing_ticked_is_refused_in_place(chamber, due, store):
    response = not_opened(chamber, [])
    assert response.status_code == 422
    assert shows(response, translated("Tick at least one follow-up.", "kk"))
    assert store.count(BusinessFollowUp) == 0


def test_a_follow_up_recorded_meanwhile_is_never_overwritten(chamber, due, store):
    follow_up(chamber, due[0], 6)  # someone recorded it as opened meanwhile
    response = not_opened(chamber, [f"{due[0]}-6", f"{due[1]}-6"])
    assert response.status_code == 302
    kept = store.scalar(sa.select(BusinessFollowUp).where(BusinessFollowUp.application_id == due[0]))
    assert kept.business_opened is True
    assert shows(chamber.get(response.location), translated(
        "This follow-up was recorded meanwhile; open the person's page to correct it.", "kk"))


def test_not_due_or_another_districts_follow_ups_are_left_alone(app, chamber, due, make_application, store,
                                                                 make_user):
    [theirs] = trained(app, make_application, make_user(Role.TRAINER, OTHER).id, OTHER)
    [early] = trained(app, make_application, due and store.scalar(sa.select(Cohort.trainer_id).limit(1)),
                      days_ago=30)
    response = not_opened(chamber, [f"{theirs}-6", f"{early}-6", "x-y", f"{due[2]}-9"])
    assert response.status_code == 409 and store.count(BusinessFollowUp) == 0
    assert "Сайрам" not in page_text(response)
    # The summary shows only the user's own district, whatever is in the address.
    not_opened(chamber, [f"{due[2]}-6"])
    summary = page_text(chamber.get(f"/financing/follow-ups/recorded?done={due[2]}-6,{theirs}-6"))
    assert f'id="recorded-{due[2]}-6"' in summary and f'id="recorded-{theirs}-6"' not in summary
