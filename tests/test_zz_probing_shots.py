import re
import pytest
import sqlalchemy as sa
from bastau.models import Application, Role, Status
from tests.conftest import application_data, browser_sign_in, new_iin
from tests.journey import apply

SIZES = {"360": {"width": 360, "height": 640}, "1280": {"width": 1280, "height": 800}}
OUT = "/tmp/shots/probing"


def _fill_and_send(page, live_server, app, iin):
    page.goto(live_server + "/apply")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.content()).group(1)
    response = page.request.post(live_server + "/apply", form={**application_data(app, iin=iin), "csrf_token": token},
                                 max_redirects=0)
    assert response.status == 302, response.status
    page.goto(live_server + "/apply/check")
    with page.expect_navigation():
        page.click("form.once button")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("size", ["360", "1280"])
def test_shots(app, live_server, browser, make_user, make_application, store, monkeypatch, locale, size):
    applied = new_iin()
    apply(app.test_client(), app, iin=applied)
    context = browser.new_context(viewport=SIZES[size])
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = context.new_page()
    monkeypatch.setitem(app.config, "DUPLICATE_CHECK_LIMIT", "1 per hour")
    _fill_and_send(page, live_server, app, applied)
    page.locator("#field-iin").scroll_into_view_if_needed()
    page.screenshot(path=f"{OUT}/refusal-{locale}-{size}.png", full_page=size == "1280")
    _fill_and_send(page, live_server, app, new_iin())
    page.screenshot(path=f"{OUT}/paused-{locale}-{size}.png", full_page=size == "1280")
    context.close()

    for n in range(3):
        make_application(surname=f"Іздеу{n}")
    make_application(surname="Қасымова", status=Status.LIST_APPROVED)
    iin = store.scalar(sa.select(Application.iin).where(Application.surname == "Іздеу1"))
    _c, officer = browser_sign_in(browser, live_server, make_user(Role.CENTRE_OFFICER), locale, SIZES[size])
    officer.goto(live_server + "/centre/")
    officer.fill("#q", iin)
    officer.press("#q", "Enter")
    officer.wait_for_function("() => location.search.includes('search=')")
    officer.wait_for_timeout(300)
    officer.screenshot(path=f"{OUT}/queue-{locale}-{size}.png")
    _c.close()
    _c, chamber = browser_sign_in(browser, live_server, make_user(Role.CHAMBER_STAFF), locale, SIZES[size])
    chamber.goto(live_server + "/chamber/tests")
    chamber.fill("#q", "қасым")
    chamber.wait_for_function("() => location.search.includes('search=')")
    chamber.wait_for_timeout(300)
    chamber.screenshot(path=f"{OUT}/waiting-{locale}-{size}.png")
    _c.close()
    _c, admin = browser_sign_in(browser, live_server, make_user(Role.NATIONAL_ADMIN), locale, SIZES[size])
    admin.goto(live_server + "/admin/users")
    admin.fill("#q", "Тест")
    with admin.expect_navigation():
        admin.press("#q", "Enter")
    admin.screenshot(path=f"{OUT}/users-{locale}-{size}.png")
    # a key from another sign-in
    admin.goto(live_server + "/admin/users?search=notmine")
    admin.screenshot(path=f"{OUT}/users-lost-{locale}-{size}.png")
    _c.close()
