"""Employment centre: the queue, target-group decisions one at a time and in bulk."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from bastau.models import Application, AuditEntry, Role, Status
from tests.conftest import login, page_text, post_form, translated, translated_plural
from tests.journey import RU, look_up, shows

OTHER = "615200000"


@pytest.fixture
def officer(client, make_user):
    user = make_user(Role.CENTRE_OFFICER)
    login(client, user)
    return user


def names_in_queue(response) -> list[str]:
    return re.findall(r'<a href="/staff/applications/\d+">([^<]+)</a>', page_text(response))


def decide(client, ids, action="confirm", **fields):
    return post_form(client, "/centre/decide", {"application": [str(i) for i in ids], "action": action, **fields},
                     page="/centre/")


def test_queue_shows_only_submitted_applications_of_the_officers_district(client, officer, make_application):
    make_application(surname="Өз")
    make_application(surname="Басқа", district_code=OTHER)
    make_application(surname="Расталған", status=Status.TARGET_GROUP_CONFIRMED)
    assert names_in_queue(client.get("/centre/")) == ["Өз Дана"]
    assert names_in_queue(client.get("/centre/?status=target_group_confirmed")) == ["Расталған Дана"]
    assert sorted(names_in_queue(client.get("/centre/?status="))) == ["Расталған Дана", "Өз Дана"]


def test_queue_filters_search_and_sort(client, officer, make_application):
    make_application(surname="Әбенова", channel="akimat", social_status="self_employed",
                     created_at=datetime(2026, 3, 2, 6))
    make_application(surname="Бекова", channel="employment_centre", created_at=datetime(2026, 3, 5, 6))
    iin = make_application(surname="Жұмабаева", channel="chamber_branch", created_at=datetime(2026, 3, 9, 6))
    assert names_in_queue(client.get("/centre/?source=employment_centre")) == ["Бекова Дана"]
    assert names_in_queue(client.get("/centre/?social_status=self_employed")) == ["Әбенова Дана"]
    assert names_in_queue(client.get("/centre/?q=жұма", follow_redirects=True)) == ["Жұмабаева Дана"]
    assert names_in_queue(client.get("/centre/?date_from=2026-03-03&date_to=2026-03-05")) == ["Бекова Дана"]
    # Kazakh alphabetical order: Ә comes right after А, long before Ж (not after Я, as code points would have it).
    assert names_in_queue(client.get("/centre/?sort=surname")) == ["Әбенова Дана", "Бекова Дана", "Жұмабаева Дана"]
    assert names_in_queue(client.get("/centre/?sort=oldest"))[0] == "Әбенова Дана"
    assert names_in_queue(client.get("/centre/"))[0] == "Жұмабаева Дана"  # newest first
    assert iin


def test_queue_search_by_iin(client, officer, make_application, store):
    make_application(surname="Іздеу")
    make_application(surname="Басқасы")
    iin = store.scalar(sa.select(Application.iin).where(Application.surname == "Іздеу"))
    assert names_in_queue(client.get(f"/centre/?q={iin}", follow_redirects=True)) == ["Іздеу Дана"]
    assert names_in_queue(client.get("/centre/?q=ІЗДЕУ", follow_redirects=True)) == ["Іздеу Дана"]  # any case, Kazakh letters too


def test_queue_is_paginated(client, officer, make_application):
    for n in range(55):
        make_application(surname=f"Тест{chr(0x430 + n % 30)}")
    first, second = client.get("/centre/"), client.get("/centre/?page=2")
    assert len(names_in_queue(first)) == 50 and len(names_in_queue(second)) == 5
    assert 'href="/centre/?page=2"' in page_text(first).replace("&amp;", "&")


def test_htmx_filtering_returns_only_the_results(client, officer, make_application):
    make_application()
    fragment = client.get("/centre/?status=submitted", headers={"HX-Request": "true"})
    assert "<html" not in page_text(fragment) and 'id="queue"' in page_text(fragment)


def test_confirm_many_at_once(client, officer, make_application, store):
    ids = [make_application(surname=f"Бірге{n}") for n in range(3)] + [make_application()]
    response = decide(client, ids[:3])
    assert response.status_code == 302
    statuses = {a.id: a.status for a in store.scalars(sa.select(Application))}
    assert [statuses[i] for i in ids] == [Status.TARGET_GROUP_CONFIRMED] * 3 + [Status.SUBMITTED]
    entries = store.scalars(sa.select(AuditEntry).where(AuditEntry.action == "target_group_confirmed"))
    assert sorted(e.application_id for e in entries) == sorted(ids[:3])
    assert all((e.actor_id, e.actor_role, e.from_status, e.to_status) ==
               (officer.id, "centre_officer", Status.SUBMITTED, Status.TARGET_GROUP_CONFIRMED) for e in entries)
    assert shows(client.get(response.location), translated_plural(
        "%(num)d applicant confirmed as target group.", "%(num)d applicants confirmed as target group.", 3, "kk"))


def test_bulk_decision_with_htmx_refreshes_the_queue_in_place(client, officer, make_application):
    ids = [make_application(surname="Бір"), make_application(surname="Екі")]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_text(client.get("/centre/"))).group(1)
    response = client.post("/centre/decide", data={"application": [str(ids[0])], "action": "confirm",
                                                   "csrf_token": token, "back": "status=submitted"},
                           headers={"HX-Request": "true"})
    body = page_text(response)
    assert "<html" not in body and names_in_queue(response) == ["Екі Дана"]


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_rejection_needs_a_reason(client, officer, make_application, store, locale):
    client.set_cookie("lang", locale)
    application_id = make_application()
    response = decide(client, [application_id], action="reject", note="Жұмыста")
    assert response.status_code == 422  # answered in place: nothing the officer ticked or typed is lost
    assert shows(response, translated("Choose the reason for the rejection.", locale))
    assert store.scalar(sa.select(Application.status)) == Status.SUBMITTED
    assert ticked(response) == [application_id] and "Жұмыста</textarea>" in page_text(response)


def test_nothing_ticked_is_explained(client, officer):
    response = decide(client, [])
    assert response.status_code == 422
    assert shows(response, translated("Tick at least one applicant.", "kk"))


def ticked(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="application" value="(\d+)" id="pick-\d+" checked', page_text(response))]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_bulk_rejection_keeps_the_ticks_reason_and_comment(client, officer, make_application, htmx):
    ids = [make_application(surname=f"Қалған{n}") for n in range(4)]
    headers = {"HX-Request": "true"} if htmx else {}
    response = post_form(client, "/centre/decide", {"application": [str(i) for i in ids[1:3]], "action": "reject",
                                                    "reason": "", "note": "Келмеді"}, page="/centre/", headers=headers)
    assert response.status_code == 422
    assert sorted(ticked(response)) == sorted(ids[1:3])
    assert "Келмеді</textarea>" in page_text(response)
    assert ('<html' in page_text(response)) is not htmx  # htmx gets the fragment that replaces #queue
    # Once done, the form is clean again.
    done = post_form(client, "/centre/decide", {"application": [str(i) for i in ids[1:3]], "action": "reject",
                                                "reason": "employed", "note": "Келмеді"}, page="/centre/",
                     headers=headers)
    assert done.status_code == (200 if htmx else 302)
    if htmx:
        assert ticked(done) == [] and "Келмеді" not in page_text(done)


def test_rejection_is_shown_to_the_applicant_with_its_reason_in_their_language(client, app, make_user, receipt, store):
    login(client, make_user(Role.CENTRE_OFFICER))
    application_id = store.scalar(sa.select(Application.id))
    decide(client, [application_id], action="reject", reason="employed", note="Жұмыс істейді")
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "target_group_rejected"))
    assert (entry.reason, entry.note, entry.typed.text, entry.to_status) == (
        "employed", None, "Жұмыс істейді", Status.NOT_TARGET_GROUP)  # typed words beside the entry (erasable)
    for locale, headers in (("kk", {}), ("ru", RU)):
        applicant = app.test_client()
        look_up(applicant, receipt, headers=headers)
        page = applicant.get("/status/view", headers=headers)
        assert re.search(r'id="current-status">([^<]+)<', page_text(page)).group(1) == translated(
            "Not in the target group", locale)
        assert shows(page, translated("Has a job (not unemployed or self-employed)", locale))
        assert "Жұмыс істейді" not in page_text(page)  # the officer's comment is for staff


def test_another_districts_application_cannot_be_decided(client, officer, make_application, store):
    foreign = make_application(district_code=OTHER)
    decide(client, [foreign])
    assert store.scalar(sa.select(Application.status).where(Application.id == foreign)) == Status.SUBMITTED
    assert store.count(AuditEntry) == 0


def test_an_already_decided_application_is_left_alone(client, officer, make_application, store):
    done = make_application(status=Status.NOT_TARGET_GROUP)
    fresh = make_application()
    response = decide(client, [done, fresh])
    assert store.scalar(sa.select(Application.status).where(Application.id == done)) == Status.NOT_TARGET_GROUP
    assert shows(client.get(response.location), translated_plural(
        "%(num)d was left as it was: its status had already changed.",
        "%(num)d were left as they were: their status had already changed.", 1, "kk"))


def test_decide_from_the_application_page(client, officer, make_application, store):
    application_id = make_application()
    page = client.get(f"/staff/applications/{application_id}")
    assert 'value="confirm"' in page_text(page)
    response = post_form(client, "/centre/decide", {"application": str(application_id), "action": "confirm",
                                                    "next": f"/staff/applications/{application_id}"},
                         page=f"/staff/applications/{application_id}")
    assert response.location == f"/staff/applications/{application_id}"
    history = page_text(client.get(response.location))
    assert 'id="history"' in history and officer.full_name in history


def test_a_refused_rejection_on_the_application_page_keeps_the_comment(client, officer, make_application, store):
    application_id = make_application()
    page = f"/staff/applications/{application_id}"
    response = post_form(client, "/centre/decide", {"application": str(application_id), "action": "reject",
                                                    "reason": "", "note": "Жұмыс орны бар, анықтама әкелді",
                                                    "next": page}, page=page)
    assert response.location == page
    again = client.get(page)
    assert shows(again, translated("Choose the reason for the rejection.", "kk"))
    assert "Жұмыс орны бар, анықтама әкелді" in page_text(again)
    assert store.scalar(sa.select(Application.status).where(Application.id == application_id)) == Status.SUBMITTED


def test_staff_desk_counts_what_waits(client, officer, make_application):
    make_application()
    make_application()
    assert shows(client.get("/staff/"), translated_plural("%(num)d waiting", "%(num)d waiting", 2, "kk"))
