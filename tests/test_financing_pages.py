"""The financing page lists a district's defended participants one programme year and 50 names at a time, and the
follow-ups due from the certificate's date in the database: the page costs the same after ten years of graduates,
and nobody drops off the end of a silent cap."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau import rules
from bastau.clock import today
from bastau.extensions import db
from bastau.loans import services
from bastau.models import Application, BusinessFollowUp, Role, Status, User
from tests.conftest import login, page_text, translated, translated_plural
from tests.test_loans import certify_all

NAMES = re.compile(r'<a href="/financing/(\d+)">')


@pytest.fixture
def chamber(client, make_user):
    login(client, make_user(Role.CHAMBER_STAFF))
    return client


def of_year(app, ids, year):
    with app.app_context():
        db.session.execute(sa.update(Application).where(Application.id.in_(ids)).values(programme_year=year))
        db.session.commit()


def listed(client, url) -> list[int]:
    table = re.search(r'id="financing".*?</table>', page_text(client.get(url)), re.S)
    return [int(found) for found in NAMES.findall(table.group(0))] if table else []


def test_a_long_list_is_cut_into_pages_and_nobody_is_lost(chamber, make_application):
    people = [make_application(status=Status.DEFENDED, surname=f"Қали{n:03d}") for n in range(services.FINANCING_PAGE + 7)]
    first = listed(chamber, "/financing")
    second = listed(chamber, "/financing?page=2")
    assert len(first) == services.FINANCING_PAGE and len(second) == 7
    assert sorted(first + second) == sorted(people)
    body = page_text(chamber.get("/financing"))
    assert translated_plural("%(num)d person", "%(num)d people", len(people), "kk") in body
    assert translated("page %(page)d of %(pages)d", "kk", page=1, pages=2) in body
    assert 'href="/financing?status=all&amp;year=' in body and "page=2" in body  # the next page keeps the filters
    assert listed(chamber, "/financing?page=99") == second  # past the end: the last page, not an empty one
    assert listed(chamber, "/financing?page=99999999999999999999") == first  # an id of any size: the first page


def test_this_years_participants_by_default_and_any_year_on_request(chamber, make_application, app):
    year = today().year
    now = make_application(status=Status.DEFENDED, surname="Биылғы")
    before = make_application(status=Status.LOAN_APPROVED, surname="Былтырғы")
    of_year(app, [before], year - 1)
    assert listed(chamber, "/financing") == [now]
    assert listed(chamber, f"/financing?year={year - 1}") == [before]
    assert sorted(listed(chamber, "/financing?year=all")) == sorted([now, before])
    body = page_text(chamber.get("/financing"))
    assert f'<option value="{year}" selected>' in body and f'<option value="{year - 1}">' in body
    assert listed(chamber, "/financing?year=1066") == [now]  # a year nobody was in: the default, not an error


def test_last_years_list_when_nobody_is_at_a_financing_step_this_year(chamber, make_application, app):
    before = make_application(status=Status.DEFENDED, surname="Былтырғы")
    of_year(app, [before], today().year - 1)
    assert listed(chamber, "/financing") == [before]


def test_the_follow_ups_due_are_picked_by_the_certificates_date(chamber, make_application, app):
    """The database's choice agrees with the rule, day by day around each check's first due day."""
    on = today()
    cases = {}
    for months in rules.FOLLOW_UP_MONTHS:
        last = rules.latest_certificate_due(months, on)
        for shift in (-1, 0, 1):
            person = make_application(status=Status.NOT_DEFENDED, surname=f"Тексеру{months}{shift + 1}")
            cases[person] = last + timedelta(days=shift)
    recorded = make_application(status=Status.DEFENDED, surname="Жазылған")
    certify_all(app, {**cases, recorded: on - timedelta(days=200)})
    with app.app_context():
        db.session.add(BusinessFollowUp(application_id=recorded, months_after=6, business_opened=False,
                                        recorded_by_id=db.session.scalar(sa.select(User.id).limit(1))))
        db.session.commit()
    body = page_text(chamber.get("/financing"))
    shown = {int(found) for found in re.findall(r'id="due-(\d+)"', body)}
    expected = {person for person, issued in cases.items() if rules.follow_ups_due(issued, (), on)}
    assert shown == expected and recorded not in shown
    # The count comes from the database's choice alone: one too many there would show here.
    assert translated_plural("%(num)d person to call", "%(num)d people to call", len(expected), "kk") in body


def test_the_follow_ups_due_have_pages_of_their_own(chamber, make_application, app):
    people = [make_application(status=Status.NOT_DEFENDED, surname=f"Шақыру{n:03d}")
              for n in range(services.DUE_PAGE + 3)]
    certify_all(app, {person: today() - timedelta(days=200) for person in people})
    first = page_text(chamber.get("/financing"))
    second = page_text(chamber.get("/financing?due_page=2"))
    on_first = set(map(int, re.findall(r'id="due-(\d+)"', first)))
    on_second = set(map(int, re.findall(r'id="due-(\d+)"', second)))
    assert len(on_first) == services.DUE_PAGE and on_first | on_second == set(people) and not on_first & on_second
    assert "due_page=2#due" in first
