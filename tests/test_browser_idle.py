"""In Chromium: the "are you still there?" warning before an idle page is cleared, a terminal clearing a form
that was only typed in, the language switch that keeps what was typed, and the look-up's try-again message."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bastau.sessions import TERMINAL_COOKIE, terminal_cookie_value
from tests.conftest import new_iin, translated
from tests.test_browser import VIEWPORTS

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("BASTAU_SCREENSHOTS", "test-artifacts/screenshots"))


def terminal_context(browser, app, live_server, locale: str = "kk", viewport=None):
    context = browser.new_context(viewport=viewport or VIEWPORTS["phone"])
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server},
                         {"name": TERMINAL_COOKIE, "value": terminal_cookie_value(app), "url": live_server}])
    return context


def test_a_typed_look_up_on_a_terminal_warns_then_clears(app, live_server, browser):
    context = terminal_context(browser, app, live_server)
    page = context.new_page()
    page.clock.install()
    page.goto(live_server + "/status")
    page.fill("#iin", "900517400123")  # typed, never sent: no session holds it
    page.clock.run_for("03:30")
    assert page.is_hidden("#idle-warning")  # no warning while there is time left
    page.clock.run_for("00:45")
    dialog = page.locator("#idle-warning")
    assert dialog.is_visible() and dialog.get_attribute("role") == "alertdialog"
    assert page.evaluate("document.activeElement.id") == "idle-continue"  # the button has the focus
    assert re.fullmatch(r"0:[0-5]\d", page.inner_text("#idle-countdown"))
    with page.expect_request("**/session/keep-alive") as keep_alive:
        page.keyboard.press("Enter")  # the keyboard alone goes on
    assert keep_alive.value.method == "POST"
    assert page.is_hidden("#idle-warning") and page.input_value("#iin") == "900517400123"
    assert page.evaluate("document.activeElement.id") == "iin"  # back where the person was typing
    page.clock.run_for("03:00")
    assert page.url.endswith("/status") and page.input_value("#iin") == "900517400123"
    page.clock.run_for("02:30")  # nobody pressed anything this time
    page.wait_for_url("**/session-ended")
    assert translated("The session ended", "kk") in page.inner_text("main")
    page.go_back()  # the cleared page was replaced, not stacked: Back does not bring the IIN back
    assert "900517400123" not in page.content()
    context.close()


def test_an_untouched_page_on_a_personal_phone_does_not_clear(app, live_server, browser):
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.clock.install()
    page.goto(live_server + "/status")
    page.fill("#iin", "900517400123")
    page.clock.run_for("10:00")
    assert page.url.endswith("/status") and page.input_value("#iin") == "900517400123"
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_switching_language_on_the_application_form_keeps_what_was_typed(live_server, browser, javascript):
    context = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server + "/apply")
    iin = new_iin()
    page.fill("#iin", iin)
    page.fill("#surname", "Жұмабекова")
    page.check("input[name=social_status][value=self_employed]")
    page.check("input[name=channel][value=own_device]")
    with page.expect_navigation():
        page.click("nav.lang >> text=Русский")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.input_value("#iin") == iin and page.input_value("#surname") == "Жұмабекова"
    assert page.is_checked("input[name=social_status][value=self_employed]")
    assert page.is_checked("input[name=channel][value=own_device]")
    assert page.url.endswith("/apply")
    context.close()


def test_enter_in_a_field_still_means_continue_not_a_language(live_server, browser):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(live_server + "/apply")
    page.fill("#surname", "Жұмабекова")
    with page.expect_navigation():
        page.press("#surname", "Enter")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.is_visible("#error-summary")  # the form was checked, as Continue does
    context.close()


def _wrong_look_ups(page, live_server, times: int) -> None:
    iin = new_iin()  # well-formed, so each try is a real guess that counts
    for _ in range(times):
        page.goto(live_server + "/status")
        page.fill("#reference", "BB-2026-000777")
        page.fill("#iin", iin)
        page.fill("#access_code", "1111 1111")
        with page.expect_navigation():
            page.click("main form button:not([tabindex='-1'])")


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_screenshots_of_the_idle_warning_the_pause_and_the_language_switch(app, live_server, browser, locale,
                                                                          viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    other = "ru" if locale == "kk" else "kk"
    context = terminal_context(browser, app, live_server, locale=other, viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.clock.install()

    # The language switch on the application form: typed in the other language, switched to this one.
    page.goto(live_server + "/apply")
    page.fill("#iin", new_iin())
    page.fill("#surname", "Жұмабекова")
    page.fill("#first_name", "Гүлжан")
    with page.expect_navigation():
        page.click(f"nav.lang button[value={locale}]")
    page.screenshot(path=str(SHOTS / f"idle-language-switch-{locale}-{viewport}.png"), full_page=False)

    # The warning.
    page.clock.run_for("04:05")
    page.wait_for_selector("#idle-warning", state="visible")
    page.screenshot(path=str(SHOTS / f"idle-warning-{locale}-{viewport}.png"))
    page.click("#idle-continue")

    # The pause with when to try again.
    _wrong_look_ups(page, live_server, 6)
    page.wait_for_selector("#lookup-paused")
    page.screenshot(path=str(SHOTS / f"idle-lookup-paused-{locale}-{viewport}.png"), full_page=True)
    context.close()


def test_with_javascript_any_typed_form_survives_the_language_link(live_server, browser):
    """A page without a form-bound switch (two forms: "send my code again"): the script sends the typed one."""
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(live_server + "/status/code")
    page.fill("#by-reference input[name=reference]", "BB-2026-000123")
    with page.expect_navigation():
        page.click("nav.lang >> text=Русский")
    assert page.locator("html").get_attribute("lang") == "ru" and page.url.endswith("/status/code")
    assert page.input_value("#by-reference input[name=reference]") == "BB-2026-000123"
    context.close()
