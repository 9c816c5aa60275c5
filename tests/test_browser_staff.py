"""In Chromium: an officer confirms three applicants at once and sends the list; the chamber approves it;
an applicant then sees the new status in Kazakh."""
from __future__ import annotations

import re

import pytest

from bastau.models import Role
from tests.conftest import browser_sign_in, translated, translated_plural
from tests.journey import apply, receipt_details
from tests.test_browser import SHOTS, VIEWPORTS

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, user, locale="kk", viewport="desktop"):
    context, page = browser_sign_in(browser, live_server, user, locale, VIEWPORTS[viewport])
    page.goto(live_server + "/staff/")
    return context, page


def test_officer_confirms_in_bulk_chamber_approves_applicant_sees_it(live_server, browser, app, make_user):
    receipts = []
    for _ in range(3):
        response = apply(app.test_client(), app)
        reference, code = receipt_details(response)
        iin = re.search(r'id="receipt-iin">(\d{12})<', response.get_data(as_text=True)).group(1)
        receipts.append((reference, iin, code))
    SHOTS.mkdir(parents=True, exist_ok=True)

    context, page = sign_in(browser, live_server, make_user(Role.CENTRE_OFFICER))
    page.click(f"text={translated('Applications to check', 'kk')}")
    page.wait_for_url("**/centre/")
    page.check("input[data-select-all=application]")  # tick all three
    assert page.locator("input[name=application]:checked").count() == 3
    page.screenshot(path=str(SHOTS / "11-centre-queue-kk-desktop.png"), full_page=True)
    page.click("button[value=confirm]")
    page.wait_for_selector("text=" + translated_plural("%(num)d applicant confirmed as target group.",
                                                      "%(num)d applicants confirmed as target group.", 3, "kk"))
    assert page.locator("input[name=application]").count() == 0  # the queue of submitted ones is empty now
    page.goto(live_server + "/centre/lists/new")
    page.click(f"text={translated('Send the list', 'kk')}")
    page.wait_for_url("**/lists/*")
    assert page.inner_text("#list-state") == translated("Sent, not reviewed yet", "kk")
    context.close()

    context, page = sign_in(browser, live_server, make_user(Role.CHAMBER_STAFF), locale="ru")
    page.goto(live_server + "/chamber/lists")
    page.click("table a")
    page.check("input[data-select-all=entry]")
    page.screenshot(path=str(SHOTS / "12-chamber-list-ru-desktop.png"), full_page=True)
    page.click("button[value=approve]")
    page.wait_for_selector("text=" + translated_plural("%(num)d name approved.", "%(num)d names approved.", 3, "ru"))
    assert page.inner_text("#list-state") == translated("Reviewed", "ru")
    context.close()

    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(live_server + "/status")
    reference, iin, code = receipts[1]
    page.fill("#reference", reference)
    page.fill("#iin", iin)
    page.fill("#access_code", code)
    page.click(f"text={translated('Show status', 'kk')}")
    page.wait_for_url("**/status/view")
    assert page.inner_text("#current-status") == translated("Approved by the chamber of entrepreneurs", "kk")
    page.screenshot(path=str(SHOTS / "13-status-approved-kk-phone.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_screenshots_of_the_staff_pages(live_server, browser, app, make_user, make_application, locale, viewport):
    from bastau.models import Status
    for n, name in enumerate(("Әлиева", "Бекұлы", "Ғалымов", "Иванова")):
        make_application(surname=name, status=Status.SUBMITTED if n % 2 else Status.TARGET_GROUP_CONFIRMED)
    context, page = sign_in(browser, live_server, make_user(Role.CENTRE_OFFICER), locale, viewport)
    page.screenshot(path=str(SHOTS / f"14-centre-desk-{locale}-{viewport}.png"), full_page=True)
    page.goto(live_server + "/centre/?status=")
    page.screenshot(path=str(SHOTS / f"15-centre-queue-{locale}-{viewport}.png"), full_page=True)
    page.goto(live_server + "/centre/lists/new")
    page.screenshot(path=str(SHOTS / f"16-new-list-{locale}-{viewport}.png"), full_page=True)
    page.click("main form button.button")
    page.wait_for_url("**/lists/*")
    page.screenshot(path=str(SHOTS / f"17-list-{locale}-{viewport}.png"), full_page=True)
    page.click("td a")
    page.screenshot(path=str(SHOTS / f"18-staff-application-{locale}-{viewport}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_supervised_test_at_a_terminal_on_a_phone_screen(live_server, browser, app, make_user, make_application,
                                                         store, locale):
    """Chamber staff open a sitting and get a code; the applicant takes the test at a 360 px terminal."""
    import sqlalchemy as sa

    from bastau.models import Application, Status
    application_id = make_application(status=Status.LIST_APPROVED)
    iin = store.scalar(sa.select(Application.iin).where(Application.id == application_id))
    context, page = sign_in(browser, live_server, make_user(Role.CHAMBER_STAFF), locale)
    page.goto(f"{live_server}/staff/applications/{application_id}")
    page.click(f"text={translated('Entrepreneurship test', locale)}")
    page.click(f"text={translated('Start test at a terminal', locale)}")
    code = page.inner_text("#test-code")
    page.screenshot(path=str(SHOTS / f"19-chamber-test-code-{locale}-desktop.png"), full_page=True)
    context.close()

    terminal = browser.new_context(viewport=VIEWPORTS["phone"])
    terminal.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = terminal.new_page()
    page.goto(live_server + "/test")
    page.fill("#code", code)
    page.fill("#iin", iin)
    page.click("main form button")
    page.wait_for_url("**/test/questions")
    questions = page.locator("fieldset[id^=question-]")
    assert questions.count() >= 20
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / f"20-terminal-test-{locale}-phone.png"))
    for n in range(questions.count()):
        questions.nth(n).locator("input[type=radio]").first.check()
    page.click("main form button.button")
    page.wait_for_url("**/test/result")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / f"21-terminal-result-{locale}-phone.png"), full_page=True)
    assert store.scalar(sa.select(Application.status).where(Application.id == application_id)) in (
        Status.TEST_PASSED, Status.TEST_FAILED)
    terminal.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_screenshots_of_account_administration(live_server, browser, make_user, locale):
    admin = make_user(Role.NATIONAL_ADMIN, username=f"admin-{locale}")
    make_user(Role.OPERATOR, username=f"operator-{locale}")
    context, page = sign_in(browser, live_server, admin, locale)
    page.screenshot(path=str(SHOTS / f"22-admin-desk-{locale}-desktop.png"), full_page=True)
    page.goto(live_server + "/admin/users")
    page.screenshot(path=str(SHOTS / f"23-accounts-{locale}-desktop.png"), full_page=True)
    page.goto(live_server + "/admin/users/new")
    page.screenshot(path=str(SHOTS / f"24-new-account-{locale}-desktop.png"), full_page=True)
    page.goto(live_server + "/admin/test/questions")
    page.screenshot(path=str(SHOTS / f"25-questions-{locale}-desktop.png"), full_page=True)
    context.close()
