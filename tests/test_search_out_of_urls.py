"""A name or an IIN typed into a staff search never appears in a URL, a Location header or the request log.

The searches (the employment centre's queue, the chamber's waiting list, the staff accounts) are POSTed and kept
in the session under a short key; the page's address carries only ?search=<key> (bastau/staff_search.py). The
search still finds the person, and pages, filters, Back and reload work, without JavaScript and with htmx.
"""
from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError

from bastau.models import Application, Role, Status
from tests.conftest import csrf_token, login, page_text, post_form, translated

URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|hx-get|hx-post|hx-push-url|formaction)="([^"]*)"')
OWN = "195200000"
NOT_KEPT = "This search is no longer kept (it belongs to another sign-in or is too old). Type it again."


def urls_of(response) -> list[str]:
    """Every address the answer names: its Location and HX headers and each URL in its HTML."""
    found = [response.headers.get(name, "") for name in ("Location", "HX-Push-Url", "HX-Location", "HX-Redirect")]
    return [url for url in found if url] + URL_ATTRIBUTES.findall(page_text(response))


def assert_nowhere_in_urls(response, *secrets: str) -> None:
    from urllib.parse import unquote
    for url in urls_of(response):
        for secret in secrets:
            assert secret not in unquote(url) and secret not in url, (secret, url)


def names_in_queue(response) -> list[str]:
    return re.findall(r'href="/staff/applications/\d+">([^<]+)</a>', page_text(response))


@pytest.fixture
def officer(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.CENTRE_OFFICER, OWN))
    return client


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="bastau.request")
    return caplog


def _search(client, url: str, fields: dict, **kwargs):
    """What the page's search form does without JavaScript: POST, then follow the 303 like a browser."""
    posted = post_form(client, url, fields, **kwargs)
    assert posted.status_code == 303, posted.status_code
    found = client.get(posted.location, **kwargs)
    for response in (posted, found):
        response.close()  # the request log writes its line when the answer is closed, as gunicorn does
    return posted, found


def test_the_queue_search_by_iin_keeps_the_iin_out_of_every_url(officer, make_application, store, request_log):
    make_application(surname="Іздеу")
    make_application(surname="Басқасы")
    iin = store.scalar(sa.select(Application.iin).where(Application.surname == "Іздеу"))
    form = page_text(officer.get("/centre/"))
    assert re.search(r'<form method="post" action="/centre/"[^>]*role="search"', form)  # no JS: a real POST form
    posted, found = _search(officer, "/centre/", {"q": iin, "status": "submitted"})
    assert "?" in posted.location and "search=" in posted.location and "status=submitted" in posted.location
    assert names_in_queue(found) == ["Іздеу Дана"]
    assert f'value="{iin}"' in page_text(found)  # the box still shows what was typed (in the page, not its address)
    for response in (posted, found):
        assert_nowhere_in_urls(response, iin, iin[:6])
    assert names_in_queue(officer.get(posted.location)) == ["Іздеу Дана"]  # reload (and Back) find it again
    assert request_log.records and not [r for r in request_log.records if iin in r.getMessage()]


def test_the_queue_search_by_name_pages_and_filters_through_the_key(officer, make_application, request_log):
    for n in range(55):
        make_application(surname=f"Іздеулі{chr(0x430 + n % 30)}")
    make_application(surname="Іздеулірасталған", status=Status.TARGET_GROUP_CONFIRMED)
    make_application(surname="Бөтен")
    posted, first = _search(officer, "/centre/", {"q": "іздеулі", "status": "submitted", "sort": "surname"})
    assert len(names_in_queue(first)) == 50
    pager = re.search(r'href="(/centre/\?[^"]*page=2[^"]*)"', page_text(first)).group(1).replace("&amp;", "&")
    assert "search=" in pager and "sort=surname" in pager
    second = officer.get(pager)
    assert len(names_in_queue(second)) == 5 and "Бөтен Дана" not in names_in_queue(second)
    assert_nowhere_in_urls(first, "іздеулі", "Іздеулі", "%D1%96")
    _posted, confirmed = _search(officer, "/centre/", {"q": "іздеулі", "status": "target_group_confirmed"})
    assert names_in_queue(confirmed) == ["Іздеулірасталған Дана"]
    _posted, every_status = _search(officer, "/centre/", {"q": "іздеулірас", "status": ""})  # "All"
    assert names_in_queue(every_status) == ["Іздеулірасталған Дана"]
    assert not [r for r in request_log.records if "здеул" in r.getMessage()]


def test_the_queue_search_with_htmx_gets_the_fragment_and_a_keyed_address(officer, make_application, store):
    make_application(surname="Іздеу")
    iin = store.scalar(sa.select(Application.iin))
    token = csrf_token(officer, "/centre/")
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://localhost/centre/", "X-CSRFToken": token}
    posted = officer.post("/centre/", data={"q": iin, "status": "submitted"}, headers=htmx)
    assert posted.status_code == 303 and iin not in posted.location
    fragment = officer.get(posted.location, headers=htmx)  # the browser follows the 303 with the same headers
    body = page_text(fragment)
    assert body.lstrip().startswith('<div id="queue">') and "<html" not in body
    assert names_in_queue(fragment) == ["Іздеу Дана"]
    assert_nowhere_in_urls(fragment, iin)


def test_a_decision_after_a_search_goes_back_to_the_keyed_address(officer, make_application, store):
    application_id = make_application(surname="Іздеу")
    make_application(surname="Басқасы")
    iin = store.scalar(sa.select(Application.iin).where(Application.id == application_id))
    _posted, found = _search(officer, "/centre/", {"q": iin, "status": "submitted"})
    back = re.search(r'name="back" value="([^"]*)"', page_text(found)).group(1).replace("&amp;", "&")
    assert iin not in back and "search=" in back
    decided = post_form(officer, "/centre/decide", {"application": str(application_id), "action": "confirm",
                                                    "back": back}, page="/centre/")
    assert decided.status_code == 302 and iin not in decided.location and "search=" in decided.location
    assert names_in_queue(officer.get(decided.location)) == []  # the same search: confirmed, so no longer waiting


def test_an_address_with_the_text_in_it_is_moved_to_a_key_at_once(officer, make_application, store):
    make_application(surname="Іздеу")
    iin = store.scalar(sa.select(Application.iin))
    old_bookmark = officer.get(f"/centre/?q={iin}&status=submitted")
    assert old_bookmark.status_code == 303 and iin not in old_bookmark.location
    assert "status=submitted" in old_bookmark.location
    assert names_in_queue(officer.get(old_bookmark.location)) == ["Іздеу Дана"]


def test_a_key_means_nothing_to_another_sign_in(app, officer, make_user, make_application, store):
    make_application(surname="Іздеу")
    make_application(surname="Басқасы")
    iin = store.scalar(sa.select(Application.iin).where(Application.surname == "Іздеу"))
    posted, _found = _search(officer, "/centre/", {"q": iin})
    colleague = app.test_client()
    login(colleague, make_user(Role.CENTRE_OFFICER, OWN, username="colleague"))
    shared = colleague.get(posted.location)
    assert shared.status_code == 200 and f'value="{iin}"' not in page_text(shared)
    assert set(names_in_queue(shared)) == {"Басқасы Дана", "Іздеу Дана"}  # unsearched
    assert translated(NOT_KEPT, "kk") in page_text(shared)


def test_the_chamber_waiting_list_search_keeps_the_iin_out_of_urls(app, make_user, make_application, store,
                                                                   request_log):
    for n in range(55):
        make_application(surname=f"Күтуші{chr(0x430 + n % 30)}", status=Status.LIST_APPROVED)
    wanted = make_application(surname="Қасымова", status=Status.LIST_APPROVED)
    iin = store.scalar(sa.select(Application.iin).where(Application.id == wanted))
    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF, OWN))
    assert re.search(r'<form method="post" action="/chamber/tests"', page_text(chamber.get("/chamber/tests")))
    posted, found = _search(chamber, "/chamber/tests", {"q": iin})
    assert f"/chamber/applications/{wanted}/test" in page_text(found)
    for response in (posted, found):
        assert_nowhere_in_urls(response, iin)
    _posted, by_name = _search(chamber, "/chamber/tests", {"q": "күтуші"})
    pager = re.search(r'href="(/chamber/tests\?[^"]*page=2[^"]*)"', page_text(by_name)).group(1)
    assert "search=" in pager and "күтуші" not in pager.lower()
    second = page_text(chamber.get(pager.replace("&amp;", "&")))
    assert len(re.findall(r"/chamber/applications/\d+/test", second.split('id="waiting-list"')[1])) == 5
    token = csrf_token(chamber, "/chamber/tests")
    htmx = {"HX-Request": "true", "X-CSRFToken": token}
    typed = chamber.post("/chamber/tests", data={"q": iin}, headers=htmx)
    fragment = page_text(chamber.get(typed.location, headers=htmx))
    assert fragment.lstrip().startswith('<div id="waiting-list">') and f"/chamber/applications/{wanted}/" in fragment
    assert not [r for r in request_log.records if iin in r.getMessage()]


def test_the_staff_account_search_keeps_names_and_phones_out_of_urls(app, make_user):
    admin = app.test_client()
    login(admin, make_user(Role.NATIONAL_ADMIN, OWN))
    trainer = make_user(Role.TRAINER, OWN, phone="+77017778899")
    assert re.search(r'<form method="post" action="/admin/users"', page_text(admin.get("/admin/users")))
    posted, found = _search(admin, "/admin/users", {"q": trainer.username, "role": "trainer"})
    assert f'href="/admin/users/{trainer.id}"' in page_text(found)
    assert "role=trainer" in posted.location
    _posted, by_phone = _search(admin, "/admin/users", {"q": "701 777 88 99"})
    assert f'href="/admin/users/{trainer.id}"' in page_text(by_phone)
    for response in (posted, found, by_phone):
        assert_nowhere_in_urls(response, trainer.username, "777 88", "7778899")


@pytest.mark.browser
def test_typing_a_search_with_htmx_never_puts_the_iin_in_the_address_bar(app, live_server, browser, make_user,
                                                                         make_application, store):
    from tests.conftest import browser_sign_in
    make_application(surname="Іздеу")
    make_application(surname="Басқасы")
    iin = store.scalar(sa.select(Application.iin).where(Application.surname == "Іздеу"))
    _context, page = browser_sign_in(browser, live_server, make_user(Role.CENTRE_OFFICER, OWN))
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(f"{live_server}/centre/")
    page.fill("#q", iin)
    page.press("#q", "Enter")
    page.wait_for_function("() => location.search.includes('search=')")
    page.wait_for_selector("#queue a:has-text('Іздеу Дана')")
    assert page.locator("#queue a[href^='/staff/applications/']").count() == 1
    assert iin not in page.url and all(iin not in url for url in seen), seen
    # htmx keeps no history snapshots, so Back and Forward load the keyed address again; a load htmx replaces by its
    # own is "aborted" for Playwright's wait (or, caught a moment later, its page "not attached" any more). What
    # counts is the page it ends on.
    for move in (page.go_back, page.go_forward):
        try:
            move(wait_until="commit")
        except PlaywrightError as error:
            assert "ERR_ABORTED" in str(error) or "Not attached to an active page" in str(error), error
    page.wait_for_selector("#queue a:has-text('Іздеу Дана')")
    assert iin not in page.url
