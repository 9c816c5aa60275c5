"""Helpers that walk the applicant's journey the way a browser does."""
from __future__ import annotations

import html
import re

import pytest

from tests.conftest import application_data, page_text, post_form

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


def shows(response, text: str) -> bool:
    body = page_text(response)
    return text in body or html.escape(text) in body


def fill_in(client, data: dict, headers=None):
    return post_form(client, "/apply", data, headers=headers or {})


def apply(client, app, headers=None, **overrides):
    """Fill in, confirm, send: the receipt page's response."""
    response = fill_in(client, application_data(app, **overrides), headers)
    assert response.status_code == 302 and response.location.endswith("/apply/check"), page_text(response)[:2000]
    response = post_form(client, "/apply/submit", {}, page="/apply/check", headers=headers or {})
    assert response.status_code == 302, page_text(response)[:2000]
    return client.get(response.location, headers=headers or {})


def receipt_details(response) -> tuple[str, str]:
    body = page_text(response)
    reference = re.search(r'id="reference">([^<]+)<', body).group(1)
    code = re.search(r'id="access-code">([^<]+)<', body).group(1)
    return reference, code


@pytest.fixture
def receipt(app):
    """An application sent from another terminal, and what its receipt says."""
    terminal = app.test_client()
    response = apply(terminal, app)
    reference, code = receipt_details(response)
    iin = re.search(r'id="receipt-iin">(\d{12})<', page_text(response)).group(1)
    return {"reference": reference, "iin": iin, "access_code": code}


def look_up(client, details, headers=None):
    return post_form(client, "/status", details, headers=headers or {})


# ---- In Chromium (Playwright pages): the browser tests, scripts/screenshots.py and bench/browser_timing.py ----

PLACE = {"kk": ("Алматы облысы", "Қарасай ауданы"), "ru": ("Алматинская область", "Карасайский район")}


def fill_application(page, iin: str, javascript: bool = True, locale: str = "kk") -> None:
    region, district = PLACE[locale]
    page.wait_for_load_state()  # htmx (deferred) is ready: a click returns once the new page starts to arrive
    page.fill("#iin", iin)
    if javascript:  # htmx shows what the IIN says while the person types
        page.wait_for_selector("#iin-feedback .ok-line")
    page.fill("#surname", "Жұмабекова")
    page.fill("#first_name", "Гүлжан")
    page.fill("#patronymic", "Серікқызы")
    page.fill("#phone", "8 777 123 45 67")
    page.select_option("#region", label=region)
    if javascript:
        page.wait_for_selector(f"#district option:text('{district}')", state="attached")
    else:
        page.click("button[value=districts]")
    page.select_option("#district", label=district)
    page.check("input[name=social_status][value=self_employed]")
    page.select_option("#education", value="vocational")
    page.fill("#business_idea", "Жылыжай салып, көкөніс өсіру")
    page.check("input[name=channel][value=akimat]")
    page.check("#consent")


def sign_in_page(page, origin: str, username: str, password: str) -> None:
    """Staff sign-in at /staff/login in a Playwright page."""
    page.goto(origin + "/staff/login")
    page.fill("#login", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button")
    assert "/staff/login" not in page.url, "sign-in failed"
