"""SMS as the applicant meets them: the opt-in on the form, stopping SMS on the status page, "send my code again"
and the address on the receipt."""
from __future__ import annotations

import re
import statistics
import time
from contextlib import contextmanager

import pytest
import segno
import sqlalchemy as sa

from bastau import rules
from bastau.models import Application, AuditEntry, Channel, Role, SmsMessage, Status
from tests.conftest import application_data, login, new_iin, page_text, post_form, translated
from tests.journey import RU, apply, fill_in, look_up, receipt_details, shows

CODE_SENT = "If the details match, we sent a new code to the phone in the application."


@contextmanager
def settings(app, **values):
    """Change a few settings for one test (the limits' lambdas read them at request time)."""
    before = {name: app.config[name] for name in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(before)


def messages(store, kind: str | None = None) -> list[SmsMessage]:
    return store.scalars(sa.select(SmsMessage).where(*([SmsMessage.kind == kind] if kind else []))
                         .order_by(SmsMessage.id))


def born(iin: str) -> str:
    """The date of birth an IIN holds, typed as on an ID card (dd.mm.yyyy)."""
    return rules.parse_iin(iin).birth_date.strftime("%d.%m.%Y")


def new_code(client, headers=None, **details):
    way = "iin" if "iin" in details else "reference"
    return post_form(client, "/status/code", {"way": way, **details}, headers=headers or {})


def sent_code(store) -> str:
    text = messages(store, "access_code")[-1].text
    return re.search(r"\d{4} \d{4}", text).group(0)


# ---- The opt-in on the form ----

def test_the_form_asks_about_sms_with_yes_chosen(client):
    form = page_text(client.get("/apply"))
    assert re.search(r'<input[^>]*checked[^>]*value="yes"|<input[^>]*value="yes"[^>]*checked', form)
    assert 'name="sms"' in form and 'value="no"' in form


@pytest.mark.parametrize(("answer", "stored"), [(None, True), ("yes", True), ("no", False)])
def test_the_answer_is_stored_with_the_application(client, app, store, answer, stored):
    apply(client, app, sms=answer)
    application = store.scalar(sa.select(Application))
    assert application.sms_opt_in is stored
    assert application.consent_version  # recorded with the consent, as before


def test_the_answer_survives_going_back_and_a_language_switch(client, app):
    fill_in(client, application_data(app, sms="no"))
    check = client.get("/apply/check", headers=RU)
    assert re.search(r'id="check-sms">([^<]+)<', page_text(check)).group(1) == translated("No SMS", "ru")
    client.set_cookie("lang", "ru")
    form = page_text(client.get("/apply"))
    assert re.search(r'<input[^>]*checked[^>]*value="no"|<input[^>]*value="no"[^>]*checked', form)


def test_an_unknown_answer_is_refused_in_the_page_language(client, app):
    client.set_cookie("lang", "ru")
    response = fill_in(client, application_data(app, sms="maybe"))
    assert response.status_code == 422
    assert shows(response, translated("Choose one.", "ru"))


def test_an_operator_records_the_citizens_answer_and_staff_see_it(client, app, make_user, store):
    login(client, make_user(Role.OPERATOR, office=Channel.AKIMAT))
    assert shows(client.get("/apply"), translated("Ask the citizen and record the answer.", "kk"))
    apply(client, app, channel=None, sms="no")
    application = store.scalar(sa.select(Application))
    assert application.sms_opt_in is False and application.entered_by_id is not None
    page = page_text(client.get(f"/staff/applications/{application.id}"))
    assert re.search(r'id="sms-choice">([^<]+)<', page).group(1) == translated("No", "kk")


# ---- The receipt by SMS ----

@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_receipt_sms_is_queued_once_in_the_persons_language(client, app, store, locale):
    headers = RU if locale == "ru" else {}
    reference, _code = receipt_details(apply(client, app, headers=headers))
    # A second press on "Send" after the receipt changes nothing.
    post_form(client, "/apply/submit", {}, page="/apply", headers=headers)
    [sms] = messages(store)
    application = store.scalar(sa.select(Application))
    assert (sms.kind, sms.language, sms.key, sms.phone) == ("receipt", locale, f"receipt:{application.id}",
                                                            application.phone)
    assert sms.text == translated("Bastau: application %(reference)s received. Check its status at %(url)s", locale,
                                  reference=reference, url="http://127.0.0.1:5000/status")
    assert application.iin not in sms.text and application.surname not in sms.text
    assert not re.search(r"\d{4} \d{4}", sms.text)  # never the access code


def test_no_receipt_sms_when_the_person_said_no(client, app, store):
    apply(client, app, sms="no")
    assert messages(store) == []


def test_public_url_is_on_the_receipt_in_the_sms_and_in_the_qr_code(client, app, store):
    with settings(app, PUBLIC_URL="https://bastau.example.kz"):
        receipt = apply(client, app)
    reference, _code = receipt_details(receipt)
    body = page_text(receipt)
    address = re.search(r'id="status-address">.*?<strong>([^<]+)<', body, re.S).group(1)
    assert address == "bastau.example.kz/status"
    assert "localhost" not in body
    assert "bastau.example.kz/status" in messages(store, "receipt")[0].text
    # The QR code opens the look-up with the reference filled in, and has a name for screen readers.
    svg = re.search(r'<svg [^>]*class="qr".*?</svg>', body, re.S).group(0)
    assert 'role="img"' in svg and 'aria-label="' in svg
    expected = segno.make(f"https://bastau.example.kz/status?reference={reference}", error="m")
    assert re.search(r' d="([^"]+)"', expected.svg_inline(scale=3)).group(1) in svg


def test_the_look_up_is_filled_in_from_the_qr_code(client):
    page = page_text(client.get("/status?reference=BB-2026-000123"))
    assert re.search(r'name="reference"[^>]*value="BB-2026-000123"|value="BB-2026-000123"[^>]*name="reference"', page)


def test_the_certificate_names_public_url_not_the_request_host(app):
    from bastau.defence.certificate import verification_url
    with settings(app, PUBLIC_URL="https://bastau.example.kz"), \
            app.test_request_context("/", base_url="http://10.0.0.7:8000"):
        assert verification_url("BB-C-2026-000001").startswith("https://bastau.example.kz/")


# ---- Stopping SMS from the status page ----

def test_sms_can_be_stopped_and_turned_on_again_from_the_status_page(client, store, receipt):
    look_up(client, receipt, headers=RU)
    page = client.get("/status/view", headers=RU)
    assert shows(page, translated("Stop SMS", "ru"))
    response = post_form(client, "/status/sms", {"sms": "off"}, page="/status/view")
    assert response.status_code == 302 and response.location.endswith("/status/view")
    assert store.scalar(sa.select(Application.sms_opt_in)) is False
    page = client.get("/status/view", headers=RU)
    assert shows(page, translated("Send me SMS again", "ru"))
    post_form(client, "/status/sms", {"sms": "on"}, page="/status/view")
    assert store.scalar(sa.select(Application.sms_opt_in)) is True
    entries = store.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("sms_%")).order_by(AuditEntry.id))
    assert [(e.action, e.actor_id, e.actor_role) for e in entries] == [("sms_opt_out", None, "applicant"),
                                                                       ("sms_opt_in", None, "applicant")]


def test_stopping_sms_needs_the_opened_application_and_the_pages_token(client, app, store, receipt):
    stranger = app.test_client()  # no application opened on this terminal
    assert post_form(stranger, "/status/sms", {"sms": "off"}, page="/status").location.endswith("/status")
    look_up(client, receipt)
    forged = client.post("/status/sms", data={"sms": "off"})
    assert forged.status_code == 400  # shown again, to press once more
    assert shows(forged, translated("For your safety the page was renewed. Press the button again.", "kk"))
    assert store.scalar(sa.select(Application.sms_opt_in)) is True


# ---- "Send my code again" ----

def test_the_look_up_links_to_send_my_code_again(client):
    page = page_text(client.get("/status"))
    assert 'href="/status/code"' in page
    assert client.get("/status/code").status_code == 200


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_matching_and_non_matching_details_get_the_same_answer(client, app, store, receipt, locale):
    client.set_cookie("lang", locale)
    number = int(receipt["reference"][-6:])
    unknown_reference = f"{receipt['reference'][:-6]}{number + 50:06d}"
    stranger = new_iin()
    answers = [new_code(client, reference=receipt["reference"]),
               new_code(client, iin=receipt["iin"], birth_date=born(receipt["iin"])),
               new_code(client, reference=unknown_reference),
               new_code(client, iin=stranger, birth_date=born(stranger))]

    def answer(response):
        return re.search(r'id="code-sent">(.*?)</div>', page_text(response), re.S).group(1)

    assert [response.status_code for response in answers] == [200] * 4
    assert {answer(response) for response in answers} == {answer(answers[0])}
    assert translated(CODE_SENT, locale) in answer(answers[0])
    assert len(messages(store, "access_code")) == 2  # only the two that matched
    assert store.count(AuditEntry, AuditEntry.action == "access_code_reissued") == 2


def test_both_paths_do_the_same_hashing_work(client, receipt, monkeypatch):
    from bastau.apply import services
    calls = []
    real = services.hash_code
    monkeypatch.setattr(services, "hash_code", lambda code: calls.append(len(code)) or real(code))
    new_code(client, reference=receipt["reference"])
    matching = list(calls)
    calls.clear()
    new_code(client, reference="BB-2026-999999")
    assert calls == matching == [8]  # one new 8-digit code hashed (bastau/access_codes.py) either way


def test_both_paths_take_about_the_same_time(client, app, receipt):
    def median(**details) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert new_code(client, **details).status_code == 200
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    with settings(app, CODE_RESEND_LIMIT="100 per hour", CODE_RESEND_PHONE_LIMIT="100 per hour",
                  CODE_RESEND_TERMINAL_LIMIT="100 per hour"):
        matching = median(reference=receipt["reference"])
        unknown = median(reference="BB-2026-999999")
    assert 1 / 4 < unknown / matching < 4, (matching, unknown)  # loose: the hash (not the DB) is most of it


def test_the_new_code_replaces_the_old_one(client, app, store, receipt):
    other = app.test_client()
    assert new_code(other, iin=receipt["iin"], birth_date=born(receipt["iin"])).status_code == 200
    [sms] = messages(store, "access_code")
    assert sms.text == translated("Bastau: the new access code for %(reference)s is %(code)s. The old one no "
                                  "longer works.", "kk", reference=receipt["reference"], code=sent_code(store))
    assert receipt["iin"] not in sms.text
    assert look_up(client, receipt).status_code == 404  # the code on the paper receipt no longer works
    response = look_up(client, dict(receipt, access_code=sent_code(store)))
    assert response.status_code == 302 and response.location.endswith("/status/view")
    assert shows(client.get("/status/view"), receipt["reference"])


def test_a_new_code_is_sent_even_to_someone_who_stopped_sms(client, app, store):
    reference, _code = receipt_details(apply(client, app, sms="no"))
    new_code(app.test_client(), reference=reference)
    [sms] = messages(store)
    assert sms.kind == "access_code"


def test_a_withdrawn_application_gets_no_code_but_the_same_answer(client, store, receipt):
    store.execute(sa.update(Application).values(status=Status.WITHDRAWN))
    response = new_code(client, reference=receipt["reference"])
    assert response.status_code == 200 and shows(response, translated(CODE_SENT, "kk"))
    assert messages(store, "access_code") == []


def test_the_newest_application_not_withdrawn_gets_the_code(client, app, store):
    iin = new_iin()
    apply(app.test_client(), app, iin=iin)
    store.execute(sa.update(Application).values(programme_year=Application.programme_year - 1))
    apply(app.test_client(), app, iin=iin)
    newest = store.scalar(sa.select(Application.id).order_by(Application.id.desc()).limit(1))
    new_code(client, iin=iin, birth_date=born(iin))
    assert [sms.application_id for sms in messages(store, "access_code")] == [newest]


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize(("details", "message"), [
    ({"iin": "12345", "birth_date": "17.05.1990"}, "The IIN has exactly 12 digits. Check the number on your ID card."),
    ({"iin": "900517400123", "birth_date": "31.02.1990"},
     "Type the date as day, month and year, for example 17.05.1990."),
    ({"iin": "IIN", "birth_date": ""}, "Fill in this field."),
    ({"reference": "123"}, "Type the reference number as on the receipt, for example BB-2026-000123."),
])
def test_mistyped_details_are_named_and_kept(client, store, locale, details, message):
    client.set_cookie("lang", locale)
    response = new_code(client, **details)
    assert response.status_code == 422
    assert shows(response, translated(message, locale))
    for value in details.values():
        if value:
            assert f'value="{value}"' in page_text(response)
    assert messages(store) == []


def test_a_date_of_birth_that_is_not_the_iins_is_named(client, receipt):
    response = new_code(client, iin=receipt["iin"], birth_date="01.01.1970")
    assert response.status_code == 422
    assert shows(response, translated("This date of birth does not match the IIN. Check both against your ID card.",
                                      "kk"))


@pytest.mark.parametrize("typed", ["17.05.1990", "17/05/1990", "17 05 1990", "17051990", "1990-05-17", "7.5.1990"])
def test_dates_are_read_as_people_type_them(typed):
    from bastau.status.forms import typed_date
    expected = (17, 5) if typed != "7.5.1990" else (7, 5)
    assert (typed_date(typed).day, typed_date(typed).month, typed_date(typed).year) == (*expected, 1990)


def test_codes_are_limited_per_application_but_not_the_terminal(client, app, store, receipt):
    answers = [new_code(client, reference=receipt["reference"]).status_code for _ in range(3)]
    # The same application by its other way in counts against the same limit.
    answers.append(new_code(client, iin=receipt["iin"], birth_date=born(receipt["iin"])).status_code)
    assert answers == [200, 200, 200, 429]
    # The next person at the same akimat terminal is not locked out.
    other, _code = receipt_details(apply(app.test_client(), app, phone="+7 702 555 12 34"))
    assert new_code(client, reference=other).status_code == 200
    assert len(messages(store, "access_code")) == 4


def test_the_terminal_limit_is_generous_but_there(client, app):
    with settings(app, CODE_RESEND_TERMINAL_LIMIT="5 per hour"):
        answers = [new_code(client, reference=f"BB-2026-{900000 + n}").status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
