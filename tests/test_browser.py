"""A citizen applies in Kazakh in Chromium and checks the status in Russian; and the same without JavaScript."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import new_iin, translated
from tests.journey import fill_application

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("BASTAU_SCREENSHOTS", "test-artifacts/screenshots"))
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}


def test_apply_in_kazakh_then_check_status_in_russian(live_server, browser):
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "kk"
    page.click(f"text={translated('Apply', 'kk')}")
    iin = new_iin()
    fill_application(page, iin)
    born = page.inner_text("#iin-feedback")
    assert "1990" in born and translated("female", "kk") in born
    page.click("#continue")
    page.wait_for_url("**/apply/check")
    assert page.is_visible(f"text={translated('Check your answers', 'kk')}")
    assert page.is_visible("text=Жұмабекова Гүлжан Серікқызы")
    page.click(f"text={translated('Send the application', 'kk')}")
    page.wait_for_url("**/apply/done")
    reference = page.inner_text("#reference")
    code = page.inner_text("#access-code")
    assert re.fullmatch(r"BB-\d{4}-\d{6}", reference)
    assert page.is_visible(f"text={translated('Print the receipt', 'kk')}")  # JavaScript showed the button
    page.click(f"text={translated('Finish and clear my data from this screen', 'kk')}")
    page.wait_for_url("**/finished")
    page.go_back()
    assert reference not in page.content()  # Back after Finish shows nothing personal

    page.goto(live_server + "/status")
    page.click("text=Русский")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.fill("#reference", reference)
    page.fill("#iin", iin)
    page.fill("#access_code", code)
    page.click(f"text={translated('Show status', 'ru')}")
    page.wait_for_url("**/status/view")
    assert page.inner_text("#current-status") == translated("Application received", "ru")
    context.close()


def test_apply_without_javascript(live_server, browser):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/apply")
    fill_application(page, new_iin(), javascript=False)
    page.click("#continue")
    page.wait_for_url("**/apply/check")
    page.click(f"text={translated('Send the application', 'kk')}")
    page.wait_for_url("**/apply/done")
    assert re.fullmatch(r"BB-\d{4}-\d{6}", page.inner_text("#reference"))
    context.close()


def test_errors_are_shown_next_to_the_fields_and_typing_is_kept(live_server, browser):
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(live_server + "/apply")
    page.fill("#iin", "910312402000")
    page.fill("#surname", "Smith")
    page.click("#continue")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"  # the reader is taken to the problems
    assert page.input_value("#surname") == "Smith"
    assert translated("This IIN is not correct: a digit is probably mistyped. Check it against your ID card.",
                      "kk") in page.inner_text("#field-iin")
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_screenshots_of_the_journey(live_server, browser, locale, viewport):
    """Pictures to look at (test-artifacts/screenshots); also proves no page scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = context.new_page()

    def shoot(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
        page.screenshot(path=str(SHOTS / f"{name}-{locale}-{viewport}.png"), full_page=True)

    page.goto(live_server + "/")
    shoot("1-start")
    page.goto(live_server + "/apply")
    page.fill("#surname", "Smith")
    page.click("#continue")
    page.wait_for_selector("#error-summary")
    shoot("2-form-errors")
    fill_application(page, new_iin(), locale=locale)
    page.click("#continue")
    page.wait_for_url("**/apply/check")
    shoot("3-check")
    page.click(f"text={translated('Send the application', locale)}")
    page.wait_for_url("**/apply/done")
    shoot("4-receipt")
    page.emulate_media(media="print")
    shoot("5-receipt-print")
    page.emulate_media(media="screen")
    reference, code = page.inner_text("#reference"), page.inner_text("#access-code")
    iin = page.inner_text("#receipt-iin")
    page.goto(live_server + "/status")
    shoot("6-status-lookup")
    page.fill("#reference", reference)
    page.fill("#iin", iin)
    page.fill("#access_code", code)
    page.click(f"text={translated('Show status', locale)}")
    page.wait_for_url("**/status/view")
    shoot("7-status")
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_screenshots_of_the_operator_desk(live_server, browser, make_user, locale):
    from bastau.models import Channel, Role
    from tests.conftest import PASSWORD
    operator = make_user(Role.OPERATOR, office=Channel.AKIMAT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in sorted(VIEWPORTS):
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
        page = context.new_page()
        page.goto(live_server + "/staff/login")
        page.screenshot(path=str(SHOTS / f"8-staff-login-{locale}-{viewport}.png"), full_page=True)
        page.fill("#login", operator.username)
        page.fill("#password", PASSWORD)
        page.click("main button")
        page.wait_for_url("**/staff/")
        page.goto(live_server + "/apply")
        page.screenshot(path=str(SHOTS / f"9-operator-form-{locale}-{viewport}.png"), full_page=True)
        page.goto(live_server + "/staff/")
        page.screenshot(path=str(SHOTS / f"10-operator-desk-{locale}-{viewport}.png"), full_page=True)
        context.close()


def test_every_journey_page_fits_a_320_pixel_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    for path in ("/", "/apply", "/status", "/staff/login", "/finished"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    context.close()
