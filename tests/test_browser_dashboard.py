"""The dashboard in Chromium, in Kazakh and Russian, on a 1280 px screen and a 360 px phone: the page never
scrolls sideways (the wide table scrolls inside its own box), and the chart is there as inline SVG."""
from __future__ import annotations

import pytest

from bastau.models import Role
from tests.conftest import browser_sign_in
from tests.test_browser import SHOTS, VIEWPORTS
from tests.test_dashboard import world  # noqa: F401  (fixtures: the same hand-made data set)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_dashboard_in_both_languages_and_sizes(live_server, browser, make_user, world, locale, viewport):  # noqa: F811
    user = make_user(Role.NATIONAL_ADMIN, username=f"dash-{locale}-{viewport}")
    context, page = browser_sign_in(browser, live_server, user, locale, VIEWPORTS[viewport])
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (("national", "/dashboard"), ("region", f"/dashboard/regions/{world['karasai_region']}"),
                       ("district", f"/dashboard/districts/{world['karasai']}")):
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("svg.chart").count() == 1
        assert page.locator("svg.chart title").count() == 1
        box = page.locator("svg.chart").bounding_box()
        assert box and box["width"] > 100
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, viewport)
        assert page.locator("#figures tr.over-plan").count() >= 1 or name == "district"
        page.screenshot(path=str(SHOTS / f"dashboard-{name}-{locale}-{viewport}.png"), full_page=True)
    page.goto(live_server + "/dashboard/trainers")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / f"dashboard-trainers-{locale}-{viewport}.png"), full_page=True)
    context.close()
