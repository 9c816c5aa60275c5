"""Leaving a shared terminal: sign-out, "Finish", the next applicant and an idle end also clear what the browser keeps
of the site (Clear-Site-Data, ASVS 14.3.1), never the terminal mark, the language or a trainer's marks not yet sent.
The header on each exit through HTTP; what really survives in Chromium (marker `browser`)."""
from __future__ import annotations

import pytest

from bastau.models import Role
from bastau.sessions import TERMINAL_COOKIE, terminal_cookie_value
from tests.conftest import PASSWORD, browser_sign_in, login, new_iin, post_form, translated
from tests.journey import apply, look_up
from tests.journey import fill_application
from tests.test_browser import VIEWPORTS
from tests.test_browser_register_offline import cohort, row_says  # noqa: F401  (the trainer's cohort fixture)

CACHE_AND_STORAGE = '"cache", "storage"'
CACHE = '"cache"'
UNSENT_WARNING = ("Some attendance marks are not sent yet. They stay on this phone and are sent when you open that "
                  "day's attendance again. Sign out anyway?")


def _directives(response) -> str | None:
    return response.headers.get("Clear-Site-Data")


# ---- the header on each exit ----

@pytest.mark.parametrize("unsent, expected", [("", CACHE_AND_STORAGE), ("1", CACHE)])
def test_finish_clears_cache_and_storage_unless_marks_wait_there(app, client, unsent, expected):
    apply(client, app)
    response = post_form(client, "/finish", {"unsent": unsent}, page="/apply/done")
    assert response.location.endswith("/finished") and _directives(response) == expected
    assert "cookies" not in _directives(response)  # the terminal mark and the language stay


def test_finish_after_a_status_look_up_sends_it_too(client, receipt):
    look_up(client, receipt)
    assert _directives(post_form(client, "/finish", {}, page="/status/view")) == CACHE_AND_STORAGE


@pytest.mark.parametrize("unsent, expected", [("", CACHE_AND_STORAGE), ("1", CACHE)])
def test_staff_sign_out_clears_cache_and_storage_unless_marks_wait_there(app, make_user, unsent, expected):
    client = app.test_client()
    login(client, make_user(Role.TRAINER))
    response = post_form(client, "/staff/logout", {"unsent": unsent}, page="/trainer/")
    assert response.location.endswith("/staff/login") and _directives(response) == expected
    assert client.get("/staff/").status_code == 302  # and the session ended


def test_next_applicant_clears_the_cache_and_keeps_the_operator_signed_in(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.OPERATOR))
    apply(client, app)
    response = post_form(client, "/apply/next", {}, page="/apply/done")
    assert response.location.endswith("/apply") and _directives(response) == CACHE
    assert client.get("/staff/").status_code == 200


@pytest.mark.parametrize("terminal, expected", [(True, CACHE), (False, None)])
def test_an_idle_end_clears_the_cache_on_a_terminal_only(app, client, terminal, expected):
    if terminal:
        client.set_cookie(TERMINAL_COOKIE, terminal_cookie_value(app))
    apply(client, app)
    response = client.get("/session-ended")
    assert response.status_code == 200 and _directives(response) == expected


def test_the_leaving_forms_are_marked_for_the_script(app, make_user):
    client = app.test_client()
    apply(client, app)
    assert 'action="/finish" class="finish" data-leaving' in client.get("/apply/done").get_data(as_text=True)
    staff = app.test_client()
    login(staff, make_user(Role.CENTRE_OFFICER))
    page = staff.get("/staff/").get_data(as_text=True)
    assert 'action="/staff/logout" data-leaving data-unsent-warning="' in page


# ---- in Chromium: what survives ----

def _storage_probe(page) -> None:
    page.evaluate("localStorage.setItem('probe', 'x'); sessionStorage.setItem('probe', 'x')")


def _probe_left(page) -> tuple:
    return page.evaluate("[localStorage.getItem('probe'), sessionStorage.getItem('probe')]")


def _app_js_from_disk_cache(context, url: str) -> bool:
    """Open `url` in a new tab and say whether Chromium took app.js from its HTTP (disk) cache, by its own report
    over CDP. A new tab: a tab's in-memory copy of a script is not the HTTP cache Clear-Site-Data speaks of."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    from_disk = []
    cdp.on("Network.responseReceived", lambda event: event["response"].get("fromDiskCache")
           and from_disk.append(event["response"]["url"]))
    page.goto(url)
    page.wait_for_load_state("load")
    page.close()
    return any("/js/app" in address for address in from_disk)


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_finish_in_chromium_clears_pages_and_storage_keeps_terminal_mode_and_language(app, live_server, browser,
                                                                                      locale):
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server},
                         {"name": TERMINAL_COOKIE, "value": terminal_cookie_value(app), "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/apply")
    fill_application(page, new_iin(), locale=locale)
    page.click("#continue")
    page.wait_for_url("**/apply/check")
    page.click(f"text={translated('Send the application', locale)}")
    page.wait_for_url("**/apply/done")
    reference = page.inner_text("#reference")
    assert _app_js_from_disk_cache(context, live_server + "/"), "before: the script comes from the cache"
    _storage_probe(page)

    with page.expect_response("**/finish") as finished:
        page.click(f"text={translated('Finish and clear my data from this screen', locale)}")
    assert finished.value.all_headers()["clear-site-data"] == CACHE_AND_STORAGE
    page.wait_for_url("**/finished")
    assert _probe_left(page) == [None, None], "storage cleared"
    cookies = {cookie["name"] for cookie in context.cookies()}
    assert {TERMINAL_COOKIE, "lang"} <= cookies and not any("session" in name for name in cookies)

    page.go_back()  # Back after Finish: nothing of the person
    assert reference not in page.content()
    page.go_back()
    assert reference not in page.content()

    assert not _app_js_from_disk_cache(context, live_server + "/"), "the cache was cleared"
    page.goto(live_server + "/apply")
    assert page.locator("html").get_attribute("lang") == locale  # the language stays
    assert page.locator("body").get_attribute("data-terminal-idle-seconds") not in (None, "", "0")  # still a terminal
    context.close()


@pytest.mark.browser
def test_a_trainer_signing_out_with_marks_not_sent_is_asked_and_the_marks_stay(live_server, browser, store, cohort):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", VIEWPORTS["phone"])
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    page.route("**/marks", lambda route: route.abort())  # the network drops the marks on the way
    away = cohort["people"][0]
    page.click(f"label[for=m{away}a]")
    row_says(page, away, translated("Not sent yet", "kk"))
    store_key = f"bastau-register:{cohort['trainer'].id}:{cohort['today']}"
    _storage_probe(page)

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click(f"header >> text={translated('Sign out', 'kk')}")
    page.wait_for_timeout(300)
    assert asked == [translated(UNSENT_WARNING, "kk")]  # asked first, in the person's language
    assert "/trainer/days/" in page.url  # "No": still signed in, on the register

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response("**/staff/logout") as signed_out:
        page.click(f"header >> text={translated('Sign out', 'kk')}")
    assert signed_out.value.all_headers()["clear-site-data"] == CACHE  # the storage, with the marks, stays
    page.wait_for_url("**/staff/login")
    assert page.evaluate(f"localStorage.getItem('{store_key}')") is not None
    assert _probe_left(page)[0] == "x"

    page.unroute("**/marks")  # the next sign-in, with the network back: the marks go
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    page.fill("#login", cohort["trainer"].username)
    page.fill("#password", PASSWORD)
    page.click("main button")
    page.wait_for_url(f"**/trainer/days/{cohort['today']}")
    row_says(page, away, translated("Saved", "kk"))
    page.wait_for_function(f"localStorage.getItem('{store_key}') === null")

    with page.expect_response("**/staff/logout") as signed_out:  # nothing waiting: no question, storage cleared
        page.click(f"header >> text={translated('Sign out', 'kk')}")
    assert signed_out.value.all_headers()["clear-site-data"] == CACHE_AND_STORAGE
    page.wait_for_url("**/staff/login")
    assert _probe_left(page) == [None, None]
    context.close()
