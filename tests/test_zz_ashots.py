import pytest
from bastau.models import Role
from tests.conftest import browser_sign_in
pytestmark = pytest.mark.browser

@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_shots(live_server, browser, make_user, locale):
    user = make_user(Role.OPERATOR, username=f"shot-{locale}")
    context, page = browser_sign_in(browser, live_server, user, locale=locale, viewport={"width": 360, "height": 640})
    page.goto(live_server + "/terminal")
    page.screenshot(path=f"/tmp/shots/a-sessions/terminal-{locale}-phone.png", full_page=True)
    context.close()
    context = browser.new_context(viewport={"width": 360, "height": 640})
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/apply")
    page.locator("#field-channel").scroll_into_view_if_needed()
    page.locator("#field-channel").screenshot(path=f"/tmp/shots/a-sessions/channel-{locale}-phone.png")
    context.close()
