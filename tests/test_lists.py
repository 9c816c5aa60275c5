"""Lists sent to the chamber: numbering, freezing and versions, exports, and the chamber's review."""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bastau.models import (
    ApplicantList,
    Application,
    AuditEntry,
    Decision,
    ListEntry,
    Role,
    Status,
)
from tests.conftest import login, page_text, post_form, translated
from tests.journey import shows

OTHER = "615200000"


@pytest.fixture
def centre(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.CENTRE_OFFICER))
    return client


@pytest.fixture
def chamber(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.CHAMBER_STAFF))
    return client


@pytest.fixture
def confirmed(make_application):
    return [make_application(surname=name, status=Status.TARGET_GROUP_CONFIRMED)
            for name in ("Әлиева", "Бекұлы", "Ғалымов")]


def send(centre, ids=None):
    data = {"application": [str(i) for i in ids]} if ids is not None else {}
    return post_form(centre, "/centre/lists/new", data)


def current_list(store) -> ApplicantList:
    return store.scalar(sa.select(ApplicantList).where(ApplicantList.is_current).order_by(ApplicantList.id.desc()))


def entry_ids(store, list_id) -> dict[int, int]:
    """application id -> entry id on that list version."""
    return {e.application_id: e.id for e in store.scalars(sa.select(ListEntry).where(ListEntry.list_id == list_id))}


def review(chamber, list_id, entries, action="approve", **fields):
    return post_form(chamber, f"/chamber/lists/{list_id}/review",
                     {"entry": [str(e) for e in entries], "action": action, **fields}, page=f"/lists/{list_id}")


def test_sending_makes_a_numbered_list_of_the_confirmed(centre, confirmed, make_application, store):
    make_application(surname="Күтуде")  # not confirmed yet: not on the list
    preview = page_text(centre.get("/centre/lists/new"))
    assert "Әлиева" in preview and "Күтуде" not in preview
    response = send(centre, confirmed)
    sent = current_list(store)
    assert response.location == f"/lists/{sent.id}"
    assert (sent.number, sent.version) == (1, 1)
    assert sorted(entry_ids(store, sent.id)) == sorted(confirmed)
    assert store.count(AuditEntry, AuditEntry.action == "sent_to_chamber") == 3
    # The next list gets the next number and only those not listed yet.
    later = make_application(surname="Кейін", status=Status.TARGET_GROUP_CONFIRMED)
    send(centre, [later])
    assert (current_list(store).number, list(entry_ids(store, current_list(store).id))) == (2, [later])


def test_unticked_applicants_wait_for_a_later_list(centre, confirmed, store):
    send(centre, confirmed[:2])
    assert sorted(entry_ids(store, current_list(store).id)) == sorted(confirmed[:2])
    assert "Ғалымов" in page_text(centre.get("/centre/lists/new"))


def test_nothing_to_send_is_explained(centre, make_application):
    response = send(centre, [])
    assert response.status_code == 422
    assert shows(response, translated("There is nobody to send: confirm applicants first.", "kk"))
    make_application(status=Status.TARGET_GROUP_CONFIRMED)
    response = send(centre, [])
    assert response.status_code == 422
    assert shows(response, translated("Tick at least one applicant.", "kk"))


def test_the_chamber_approves_and_returns_names(centre, chamber, confirmed, store):
    send(centre, confirmed)
    sent = current_list(store)
    entries = entry_ids(store, sent.id)
    response = review(chamber, sent.id, [entries[confirmed[0]], entries[confirmed[1]]])
    assert response.location == f"/lists/{sent.id}"
    statuses = {a.id: a.status for a in store.scalars(sa.select(Application))}
    assert [statuses[i] for i in confirmed] == [Status.LIST_APPROVED, Status.LIST_APPROVED,
                                                Status.TARGET_GROUP_CONFIRMED]
    approved = store.scalars(sa.select(AuditEntry).where(AuditEntry.action == "list_approved"))
    assert len(approved) == 2 and all(e.actor_role == "chamber_staff" for e in approved)
    # Returning needs a reason.
    refused = review(chamber, sent.id, [entries[confirmed[2]]], action="return")
    assert refused.status_code == 422
    assert shows(refused, translated("Choose the reason for returning the names.", "kk"))
    review(chamber, sent.id, [entries[confirmed[2]]], action="return", reason="not_reachable", note="Телефон өшік")
    returned = store.scalar(sa.select(ListEntry).where(ListEntry.id == entries[confirmed[2]]))
    assert (returned.decision, returned.reason, returned.note) == (Decision.RETURNED, "not_reachable", "Телефон өшік")
    returned_entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "returned_to_centre"))
    assert returned_entry.reason == "not_reachable"
    # The centre sees the list's state and the reason; the returned person can go on a new list.
    view = centre.get(f"/lists/{sent.id}")
    assert re.search(r'id="list-state">([^<]+)<', page_text(view)).group(1) == translated("Reviewed", "kk")
    assert shows(view, translated("Could not be reached", "kk"))
    assert "Ғалымов" in page_text(centre.get("/centre/lists/new"))


def test_a_decided_name_is_not_decided_twice(centre, chamber, confirmed, store):
    send(centre, confirmed)
    sent = current_list(store)
    entry = entry_ids(store, sent.id)[confirmed[0]]
    review(chamber, sent.id, [entry])
    review(chamber, sent.id, [entry], action="return", reason="duplicate")
    assert store.count(AuditEntry, AuditEntry.application_id == confirmed[0],
                       AuditEntry.action.in_(["list_approved", "returned_to_centre"])) == 1


def test_changing_a_sent_list_makes_a_new_version(centre, chamber, confirmed, make_application, store, make_user):
    send(centre, confirmed)
    first = current_list(store)
    entries = entry_ids(store, first.id)
    review(chamber, first.id, [entries[confirmed[0]]])  # the chamber approved one already
    newcomer = make_application(surname="Жаңа", status=Status.TARGET_GROUP_CONFIRMED)
    response = post_form(centre, f"/centre/lists/{first.id}/revise",
                         {"remove": str(entries[confirmed[1]]), "add": str(newcomer), "note": "Бекұлы көшіп кетті"})
    second = current_list(store)
    assert response.location == f"/lists/{second.id}"
    assert (second.number, second.version, second.change_note) == (1, 2, "Бекұлы көшіп кетті")
    assert sorted(entry_ids(store, second.id)) == sorted([confirmed[0], confirmed[2], newcomer])
    # The sent version is frozen: unchanged and no longer current.
    assert sorted(entry_ids(store, first.id)) == sorted(confirmed)
    assert not store.scalar(sa.select(ApplicantList.is_current).where(ApplicantList.id == first.id))
    # The chamber's decision travels to the new version.
    carried = store.scalar(sa.select(ListEntry).where(ListEntry.list_id == second.id,
                                                      ListEntry.application_id == confirmed[0]))
    assert carried.decision == Decision.APPROVED
    # Anyone with access sees who changed what between the versions.
    changes = page_text(chamber.get(f"/lists/{second.id}/changes"))
    added = re.search(r'<ul id="added">(.*?)</ul>', changes, re.S).group(1)
    removed = re.search(r'<ul id="removed">(.*?)</ul>', changes, re.S).group(1)
    assert "Жаңа" in added and "Бекұлы" in removed and "Әлиева" not in added + removed
    assert "Бекұлы көшіп кетті" in changes
    # An old version can be neither reviewed nor changed.
    assert review(chamber, first.id, [entries[confirmed[2]]]).status_code == 422
    assert post_form(centre, f"/centre/lists/{first.id}/revise", {"add": str(newcomer)}).status_code == 422


def test_decided_names_cannot_be_taken_off(centre, chamber, confirmed, store):
    send(centre, confirmed)
    sent = current_list(store)
    entries = entry_ids(store, sent.id)
    review(chamber, sent.id, [entries[confirmed[0]]])
    response = post_form(centre, f"/centre/lists/{sent.id}/revise", {"remove": str(entries[confirmed[0]])})
    assert response.status_code == 422 and current_list(store).id == sent.id


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_xlsx_reads_back_with_headers_in_the_users_language(centre, confirmed, store, locale):
    send(centre, confirmed)
    centre.set_cookie("lang", locale)
    response = centre.get(f"/lists/{current_list(store).id}.xlsx")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))[1:]  # below the title row
    assert rows[0][2] == translated("Surname", locale) and rows[0][5] == translated("IIN", locale)
    assert sorted(r[2] for r in rows[1:]) == ["Бекұлы", "Ғалымов", "Әлиева"]
    iins = {a.surname: a.iin for a in store.scalars(sa.select(Application))}
    assert {r[2]: r[5] for r in rows[1:]} == iins  # IINs stay text: leading zeros and all


def test_exports_never_run_formulas(centre, make_application, store):
    evil = make_application(surname="=HYPERLINK(\"http://evil\")", status=Status.TARGET_GROUP_CONFIRMED)
    send(centre, [evil])
    list_id = current_list(store).id
    sheet = load_workbook(io.BytesIO(centre.get(f"/lists/{list_id}.xlsx").data)).active
    cell = sheet.cell(row=3, column=3)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert sheet.cell(row=3, column=8).data_type == "s"  # "+7 701…" is text, not a sum
    text = centre.get(f"/lists/{list_id}.csv").data.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[2].startswith("'=HYPERLINK") and row[7].startswith("8 7")  # a phone needs no apostrophe


def test_lists_belong_to_their_district(centre, chamber, confirmed, store, app, make_user):
    send(centre, confirmed)
    list_id = current_list(store).id
    outsider = app.test_client()
    login(outsider, make_user(Role.CHAMBER_STAFF, OTHER))
    assert outsider.get(f"/lists/{list_id}").status_code == 404
    assert outsider.get(f"/lists/{list_id}.xlsx").status_code == 404
    entries = entry_ids(store, list_id)
    assert review(outsider, list_id, list(entries.values())).status_code in (400, 404)
    assert store.count(AuditEntry, AuditEntry.action == "list_approved") == 0
    assert "№1/" not in page_text(outsider.get("/chamber/lists"))
    assert "№1/" in page_text(chamber.get("/chamber/lists"))


def test_a_regional_administrator_reads_the_lists_of_the_region(centre, confirmed, store, app, make_user):
    send(centre, confirmed)
    regional = app.test_client()
    login(regional, make_user(Role.REGIONAL_ADMIN))
    assert regional.get(f"/lists/{current_list(store).id}").status_code == 200


def test_a_returned_name_can_be_put_back_on_the_same_list(centre, chamber, confirmed, store):
    """The chamber returned a name; the centre puts the person back on the same list: a new version with the
    person waiting again, once."""
    send(centre, confirmed)
    first = current_list(store)
    entries = entry_ids(store, first.id)
    review(chamber, first.id, [entries[confirmed[2]]], action="return", reason="not_reachable")
    offered = page_text(centre.get(f"/centre/lists/{first.id}/revise"))
    assert translated("Returned by the chamber (%(reason)s): tick to put back on this list", "kk",
                      reason=translated("Could not be reached", "kk")) in offered
    response = post_form(centre, f"/centre/lists/{first.id}/revise", {"add": str(confirmed[2])})
    second = current_list(store)
    assert response.status_code == 302 and response.location == f"/lists/{second.id}"
    back = store.scalars(sa.select(ListEntry).where(ListEntry.list_id == second.id,
                                                    ListEntry.application_id == confirmed[2]))
    assert [e.decision for e in back] == [Decision.PENDING]
    assert sorted(entry_ids(store, second.id)) == sorted(confirmed)


def test_a_refused_return_keeps_the_ticked_names_and_the_comment(centre, chamber, confirmed, store):
    send(centre, confirmed)
    sent = current_list(store)
    entries = entry_ids(store, sent.id)
    refused = review(chamber, sent.id, [entries[confirmed[0]], entries[confirmed[2]]], action="return",
                     note="Телефон өшік")
    assert refused.status_code == 422
    ticked = re.findall(r'name="entry" value="(\d+)" checked', page_text(refused))
    assert sorted(map(int, ticked)) == sorted([entries[confirmed[0]], entries[confirmed[2]]])
    assert ">Телефон өшік</textarea>" in page_text(refused)


def test_a_refused_change_keeps_what_was_ticked_and_typed(centre, confirmed, store):
    send(centre, confirmed[:2])
    sent = current_list(store)
    entries = entry_ids(store, sent.id)
    review_page = post_form(centre, f"/centre/lists/{sent.id}/revise", {"note": "Көшті"})  # nothing ticked
    assert review_page.status_code == 422 and "Көшті</textarea>" in page_text(review_page)
    # A version replaced meanwhile refuses the change; the ticks stay.
    post_form(centre, f"/centre/lists/{sent.id}/revise", {"add": str(confirmed[2])})
    refused = post_form(centre, f"/centre/lists/{sent.id}/revise",
                        {"remove": str(entries[confirmed[0]]), "note": "Көшті"})
    assert refused.status_code == 422
    assert f'name="remove" value="{entries[confirmed[0]]}" checked' in page_text(refused)
