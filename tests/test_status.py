"""Checking status with reference number, IIN and access code."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bastau.models import Application, AuditEntry, Status
from tests.conftest import page_text, post_form, translated
from tests.journey import RU, look_up, shows

NOT_FOUND = ("We could not find an application with these details. Check all three against your receipt "
             "and try again.")


def test_the_right_details_open_the_status_and_its_history(client, receipt):
    response = look_up(client, receipt)
    assert response.status_code == 302 and response.location.endswith("/status/view")
    page = client.get("/status/view")
    assert shows(page, translated("Application received", "kk"))
    assert shows(page, translated("The employment centre will check that you are in the target group "
                                  "(unemployed or self-employed). This usually takes up to 10 working days.", "kk"))
    assert page.headers["Cache-Control"] == "no-store"


def test_details_typed_loosely_still_work(client, receipt):
    loose = {"reference": receipt["reference"].lower().replace("-", " "),
             "iin": receipt["iin"][:6] + " " + receipt["iin"][6:],
             "access_code": receipt["access_code"].replace(" ", "")}
    assert look_up(client, loose).status_code == 302


def test_status_and_history_in_russian_after_a_decision(client, app, store, receipt):
    application = store.scalar(sa.select(Application))
    store.execute(sa.update(Application).values(status=Status.TARGET_GROUP_CONFIRMED))
    store.execute(sa.insert(AuditEntry).values(application_id=application.id, action="confirmed",
                                               from_status=Status.SUBMITTED, to_status=Status.TARGET_GROUP_CONFIRMED))
    look_up(client, receipt, headers=RU)
    page = client.get("/status/view", headers=RU)
    body = page_text(page)
    current = re.search(r'id="current-status">([^<]+)<', body).group(1)
    assert current == translated("Target group confirmed by the employment centre", "ru")
    assert shows(page, translated("Application received", "ru"))  # the history keeps the first step
    assert body.index(current, body.index("timeline")) < body.index(translated("Application received", "ru"),
                                                                     body.index("timeline"))  # newest first


@pytest.mark.parametrize("wrong", ["reference", "iin", "access_code", "all"])
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_wrong_details_give_one_neutral_message(client, receipt, wrong, locale):
    details = dict(receipt)
    if wrong in ("reference", "all"):
        number = int(details["reference"][-6:])
        details["reference"] = f"{details['reference'][:-6]}{number + 1:06d}"
    if wrong in ("iin", "all"):
        details["iin"] = "850702301010"
    if wrong in ("access_code", "all"):
        details["access_code"] = "0000 0001"
    client.set_cookie("lang", locale)
    response = look_up(client, details)
    assert response.status_code == 404
    assert shows(response, translated(NOT_FOUND, locale))
    assert f'value="{details["iin"]}"' in page_text(response)  # what was typed stays
    assert client.get("/status/view").location.endswith("/status")


def test_empty_fields_are_named(client):
    response = look_up(client, {"reference": "", "iin": "", "access_code": ""})
    assert response.status_code == 422
    assert page_text(response).count('class="error"') == 3


def test_look_ups_are_rate_limited_per_terminal(client, app, receipt):
    app.config["STATUS_LOOKUP_LIMIT"] = "3 per minute"
    try:
        wrong = dict(receipt, access_code="1111 1111")
        assert [look_up(client, wrong).status_code for _ in range(3)] == [404, 404, 404]
        blocked = look_up(client, receipt)  # even the right details wait now
        assert blocked.status_code == 429
        assert shows(blocked, translated("For safety, this is paused for a few minutes. Please wait and try again.",
                                         "kk"))
    finally:
        app.config["STATUS_LOOKUP_LIMIT"] = "1000 per minute"


def test_look_ups_are_rate_limited_per_application(app, receipt):
    """Guessing one application's code from many terminals is stopped too."""
    wrong = dict(receipt, access_code="1111 1111")
    codes = []
    for n in range(6):
        terminal = app.test_client()
        codes.append(post_form(terminal, "/status", wrong, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code)
    assert codes == [404] * 5 + [429]  # STATUS_LOOKUP_DETAILS_LIMIT: 5 wrong tries in 15 minutes
