"""Issue 20 in Chromium: what axe cannot see and a keyboard or screen-reader user hits. Following an error-summary
link (click, or Enter on the focused link; JavaScript on and off) puts focus on the first control it names; arrowing
through the register on a phone keeps the focused choice on the screen; the consent box is a named region; a refused
form's title starts with "Қате:" / "Ошибка:"; the links of the staff bar, breadcrumb, error summary and footer are at
least 24×24 px; the dashboard says "above the plan" in words for the demo's over-plan region (Ұлытау)."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from bastau import demo
from bastau.extensions import db
from bastau.models import Region, Role
from tests.conftest import browser_sign_in, translated
from tests.test_browser import VIEWPORTS
from tests.test_browser_trainer import cohort  # noqa: F401 — fixture: a cohort of six in training today

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/a11y2")
PHONE, DESKTOP = VIEWPORTS["phone"], VIEWPORTS["desktop"]
# Public forms: where, and the button that sends it empty (every field then has an error).
PUBLIC_FORMS = {"/apply": "#continue", "/status": "main form button.button", "/staff/login": "main form button.button",
                "/test": "main form button.button"}


def public_page(browser, live_server, locale: str, javascript: bool, viewport: dict = DESKTOP):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    return context, context.new_page()


def scripts_ran(page, javascript: bool) -> None:
    """After a refused submit app.js (run after the load event) focuses the summary: wait for that."""
    page.wait_for_load_state("load")
    if javascript:
        expect(page.locator("#error-summary")).to_be_focused()


def refuse_public_form(page, live_server, url: str, javascript: bool) -> None:
    page.goto(live_server + url)
    page.wait_for_load_state("load")
    page.locator(PUBLIC_FORMS[url]).first.click()
    scripts_ran(page, javascript)


def refuse_register(page, live_server, cohort, javascript: bool) -> list[int]:  # noqa: F811
    """Two people marked "excused" with no reason: the register comes back with two summary links."""
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    page.wait_for_load_state("load")
    wrong = cohort["people"][1:3]
    for person in wrong:
        page.click(f"label[for=m{person}e]")
    if javascript:  # register.js stops this at the phone (it asks for the reason); send it as the page without it
        with page.expect_navigation():
            page.evaluate("HTMLFormElement.prototype.submit.call(document.getElementById('register'))")
    else:
        page.click("#save")
    scripts_ran(page, javascript)
    expect(page.locator("#error-summary a")).to_have_count(len(wrong))
    return wrong


def summary_targets(page) -> list[str]:
    return [a.get_attribute("href").lstrip("#") for a in page.locator("#error-summary a").all()]


def first_control_id(page, target: str) -> str:
    """The id of the first control the link names: the element itself, or the first control inside it."""
    return page.evaluate("""(id) => { const t = document.getElementById(id);
      const sel = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
      const c = t.matches(sel) ? t : t.querySelector(sel); return c && c.id; }""", target)


def follow_each_link(page, how: str) -> None:
    """Activate every summary link (by a click, or Enter on the focused link) and check where focus lands."""
    targets = summary_targets(page)
    assert targets, "no error links"
    for index, target in enumerate(targets):
        link = page.locator("#error-summary a").nth(index)
        if how == "click":
            link.click()
        else:
            link.focus()
            page.keyboard.press("Enter")
        control = first_control_id(page, target)
        assert control, target
        expect(page.locator(f"[id='{control}']")).to_be_focused()
        box = page.locator(f"[id='{control}']").bounding_box()
        assert box and box["width"] > 0  # a real control, visible, not a 1 px stand-in
        page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("how", ["click", "enter"])
@pytest.mark.parametrize("url", list(PUBLIC_FORMS))
def test_error_links_of_public_forms_focus_the_first_control(live_server, browser, url, how, javascript):
    context, page = public_page(browser, live_server, "kk", javascript)
    refuse_public_form(page, live_server, url, javascript)
    follow_each_link(page, how)
    context.close()


# Staff forms, sent empty by their own button: who signs in, where.
STAFF_FORMS = {"/staff/password": Role.CENTRE_OFFICER, "/admin/reference/lenders/new": Role.NATIONAL_ADMIN,
               "/admin/users/new": Role.NATIONAL_ADMIN, "/admin/reference/mci/new": Role.NATIONAL_ADMIN}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("url", list(STAFF_FORMS))
def test_error_links_of_staff_forms_focus_the_first_control(live_server, browser, make_user, url, javascript):
    role = STAFF_FORMS[url]
    user = make_user(role, username=f"a11y2-{role.value.replace('_', '-')}-{'js' if javascript else 'nojs'}")
    context, page = browser_sign_in(browser, live_server, user, "ru", DESKTOP, javascript)
    page.goto(live_server + url)
    page.wait_for_load_state("load")
    for field in page.locator("main form input[type=text], main form input[type=password], main form input:not([type])"
                              ", main form input[type=number], main form input[type=date]").all():
        field.fill("")  # what a form offers filled in would leave nothing to refuse
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form button:not([type])").first.click()
    scripts_ran(page, javascript)
    assert page.title().startswith("Ошибка: ")
    follow_each_link(page, "click")
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("how", ["click", "enter"])
def test_error_links_of_the_register_focus_the_persons_first_choice(live_server, browser, cohort, how,  # noqa: F811
                                                                     javascript):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", PHONE, javascript)
    wrong = refuse_register(page, live_server, cohort, javascript)
    assert summary_targets(page) == [f"m{person}p" for person in wrong]
    follow_each_link(page, how)
    context.close()


def inside_viewport(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["y"], box["y"] + box["height"]


def on_screen(page, selector: str, settle_seconds: float = 1.0) -> bool:
    """The element is inside the phone's viewport (to the pixel: layout positions are fractions), once a smooth
    scroll or a row that the register moved has settled."""
    for _ in range(int(settle_seconds / 0.05)):
        top, bottom = inside_viewport(page, selector)
        if top >= -0.5 and bottom <= PHONE["height"] + 0.5:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("key", ["ArrowRight", "ArrowDown"])
def test_arrowing_through_the_register_keeps_the_focused_choice_on_screen(live_server, browser, cohort,  # noqa: F811
                                                                          key, javascript):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", PHONE, javascript)
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    page.wait_for_load_state("load")
    page.focus("#delivered")
    for person in cohort["people"][:4]:
        page.keyboard.press("Tab")  # into this person's group: the checked choice ("present")
        expect(page.locator(f"#m{person}p")).to_be_focused()
        for _ in range(3):  # present → absent → excused → present again
            page.keyboard.press(key)
            focused = page.evaluate("document.activeElement.id")
            assert focused.startswith(f"m{person}")
            for selector in (f"[id='{focused}']", f"label[for='{focused}']"):
                assert on_screen(page, selector), (person, selector, inside_viewport(page, selector))
        if page.locator(f"#m{person}e").is_checked():  # excused needs a reason, which would take Tab next
            page.keyboard.press(key)
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_consent_box_is_a_named_region(live_server, browser, locale):
    context, page = public_page(browser, live_server, locale, True)
    page.goto(live_server + "/apply")
    region = page.get_by_role("region", name=translated("Consent text", locale))
    expect(region).to_have_count(1)
    assert region.get_attribute("tabindex") == "0"
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_refused_form_says_error_first_in_the_title(live_server, browser, cohort, locale):  # noqa: F811
    context, page = public_page(browser, live_server, locale, True)
    page.goto(live_server + "/status")
    plain = page.title()
    refuse_public_form(page, live_server, "/status", True)
    assert page.title() == translated("Error: %(title)s", locale, title=plain.split(" · ")[0]) + " · " + \
        plain.split(" · ", 1)[1]
    context.close()
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], locale, PHONE)
    refuse_register(page, live_server, cohort, True)
    assert page.title().startswith(translated("Error: %(title)s", locale, title="").strip() + " ")
    context.close()


SMALL_LINKS = ".staff-bar a, .staff-bar button, .crumbs a, .error-summary a, footer a, footer button"


def small_links(page) -> list:
    return [(el.inner_text()[:30], box) for el in page.locator(SMALL_LINKS).all()
            if el.is_visible() and (box := el.bounding_box()) and (box["height"] < 24 or box["width"] < 24)]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_bar_breadcrumb_summary_and_footer_links_are_at_least_24_px(live_server, browser, cohort, viewport):  # noqa: F811
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", VIEWPORTS[viewport])
    refuse_register(page, live_server, cohort, True)  # staff bar, breadcrumb, error summary and footer together
    for part in (".staff-bar", ".crumbs", ".error-summary", "footer"):
        assert page.locator(part).locator("a, button").count() >= 1, part
    assert small_links(page) == []
    page.goto(live_server + "/apply")
    page.click("#continue")
    scripts_ran(page, True)
    assert small_links(page) == []
    context.close()


@pytest.fixture
def demo_loaded(app):
    with app.app_context():
        demo.load()
        ulytau = db.session.scalar(sa.select(Region.id).where(Region.name_kk.like("Ұлытау%")))
        db.session.remove()
    return ulytau


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_over_plan_region_is_said_in_words(live_server, browser, make_user, demo_loaded, locale):
    user = make_user(Role.NATIONAL_ADMIN, username=f"a11y2-national-{locale}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in VIEWPORTS.items():
        context, page = browser_sign_in(browser, live_server, user, locale, viewport)
        page.goto(live_server + "/dashboard")
        row = page.locator(f"#figures tr#row-{demo_loaded}")
        expect(row).to_have_class(re.compile(r"(^|\s)over-plan(\s|$)"))
        words = translated("above the plan", locale)
        assert words in row.evaluate("r => r.textContent")  # read out, though shown only as ▲ and colour
        assert page.locator("#figures tr.over-plan").count() == 1  # the demo's one region over plan
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"dashboard-over-plan-{locale}-{name}.png"))
        context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_screenshots_of_the_refused_register(live_server, browser, cohort, locale, viewport):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], locale, VIEWPORTS[viewport])
    refuse_register(page, live_server, cohort, True)
    page.screenshot(path=str(SHOTS / f"register-errors-{locale}-{viewport}.png"))
    assert page.title().startswith({"kk": "Қате: ", "ru": "Ошибка: "}[locale])
    page.locator("#error-summary a").first.click()
    first = page.locator(f"#m{cohort['people'][1]}p")
    expect(first).to_be_focused()
    top, bottom = inside_viewport(page, f"label[for='m{cohort['people'][1]}p']")
    assert 0 <= top and bottom <= VIEWPORTS[viewport]["height"]
    page.screenshot(path=str(SHOTS / f"register-error-followed-{locale}-{viewport}.png"))
    context.close()
