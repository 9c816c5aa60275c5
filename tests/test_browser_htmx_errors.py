"""In Chromium with JavaScript on: a refused bulk action (422) is shown in place with the ticks kept, an error
page's message appears where the answer was to go, and a success message is brought into view and announced."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bastau.models import Role
from tests.conftest import browser_sign_in, htmx_ready, translated, translated_plural

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_refused_bulk_rejection_shows_why_in_place_and_keeps_the_ticks(live_server, browser, make_user,
                                                                         make_application, locale):
    ids = [make_application(surname=f"Тізім{n}") for n in range(30)]  # a long page: the message is far below
    context, page = browser_sign_in(browser, live_server, make_user(Role.CENTRE_OFFICER), locale,
                                    {"width": 360, "height": 640})
    page.goto(live_server + "/centre/")
    htmx_ready(page)
    page.check(f"#pick-{ids[0]}")
    page.check(f"#pick-{ids[1]}")
    page.fill("#note", "Құжаты жоқ")
    with page.expect_response(lambda r: r.url.endswith("/centre/decide")) as answer:
        page.click("button[value=reject]")  # no reason chosen: refused
    assert answer.value.status == 422
    message = page.locator('#queue [role="alert"]')
    message.wait_for()
    assert message.inner_text() == translated("Choose the reason for the rejection.", locale)
    # Focus moves to it once htmx has settled the swap: read out, and in view.
    expect(message).to_be_focused()
    box = message.bounding_box()
    assert 0 <= box["y"] < 640
    assert page.is_checked(f"#pick-{ids[0]}") and page.is_checked(f"#pick-{ids[1]}")
    assert not page.is_checked(f"#pick-{ids[2]}")
    assert page.input_value("#note") == "Құжаты жоқ"
    # Now with the reason: done, and the message is shown and announced.
    page.select_option("#reason", "employed")
    page.click("button[value=reject]")
    done = page.locator('#queue [role="status"]')
    done.wait_for()
    assert done.inner_text() == translated_plural("%(num)d applicant marked as not in the target group.",
                                                  "%(num)d applicants marked as not in the target group.", 2, locale)
    expect(done).to_be_focused()  # focus (and the view) move to it once the swap has settled
    assert 0 <= done.bounding_box()["y"] < 640
    context.close()


def test_an_error_answer_to_htmx_is_shown_where_the_answer_was_to_go(live_server, browser, make_user,
                                                                     make_application, app, monkeypatch):
    make_application(surname="Қате")
    context, page = browser_sign_in(browser, live_server, make_user(Role.CENTRE_OFFICER), "ru")
    page.goto(live_server + "/centre/")

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr("bastau.centre.routes.decide_target_group", broken)
    htmx_ready(page)  # the error is shown in place only for an htmx request (a plain submit gets the error page)
    page.check("input[name=application]")
    page.click("button[value=confirm]")
    alert = page.locator('#htmx-answer [role="alert"]')
    alert.wait_for()
    assert translated("Something went wrong on our side", "ru") in alert.inner_text()
    assert page.is_checked("input[name=application]")  # nothing on the page was thrown away
    context.close()
