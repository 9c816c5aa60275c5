"""The applicant's journey through HTTP: form, checks, check-your-answers, receipt."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from bastau.clock import today
from bastau.models import Application, AuditEntry, Channel, District, Region, Status
from tests.conftest import (
    application_data,
    csrf_token,
    new_iin,
    page_text,
    post_form,
    translated,
)
from tests.journey import RU, apply, fill_in, receipt_details, shows


def test_start_page_speaks_kazakh_by_default_and_russian_when_asked(client):
    kk = client.get("/")
    assert '<html lang="kk">' in page_text(kk)
    assert shows(kk, translated("Start your own business with Bastau Business", "kk"))
    ru = client.get("/", headers=RU)
    assert '<html lang="ru">' in page_text(ru)
    assert shows(ru, translated("Start your own business with Bastau Business", "ru"))
    assert 'href="/apply"' in page_text(kk)


def test_start_page_shows_the_loan_cap_in_tenge_for_this_year(client):
    cap = "34\xa0600\xa0000"  # 8,000 × 4,325 ₸ (2026), grouped the Kazakh way
    if today().year == 2026:
        assert cap in page_text(client.get("/"))


def test_language_switch_keeps_the_page_and_remembers_the_choice(client):
    response = client.get("/lang/ru?next=/status")
    assert response.status_code == 302 and response.location == "/status"
    assert "lang=ru" in response.headers["Set-Cookie"]
    assert '<html lang="ru">' in page_text(client.get("/status"))
    # The cookie beats the browser's language.
    assert '<html lang="ru">' in page_text(client.get("/", headers={"Accept-Language": "kk"}))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"])
def test_language_switch_never_leaves_the_site(client, target):
    assert client.get("/lang/kk", query_string={"next": target}).location == "/"


def test_unknown_language_is_not_found(client):
    assert client.get("/lang/en?next=/").status_code == 404


def test_a_complete_application(client, app, store):
    data = application_data(app)
    check = client.get(fill_in(client, data).location)
    # Date of birth and sex come from the IIN and are shown back, in the page's language.
    assert shows(check, translated("female", "kk"))
    assert format_date(date(1990, 5, 17), "long", locale="kk") in page_text(check)  # 1990 ж. 17 мамыр
    receipt = client.get(post_form(client, "/apply/submit", {}, page="/apply/check").location)
    reference, code = receipt_details(receipt)
    assert re.fullmatch(rf"BB-{today().year}-\d{{6}}", reference)
    assert re.fullmatch(r"\d{4} \d{4}", code)
    application = store.scalar(sa.select(Application))
    assert application.reference == reference
    assert (application.iin, application.surname, application.sex) == (data["iin"], "Сәрсенбаева", "female")
    assert application.phone == "+77012345678"
    assert application.status == Status.SUBMITTED and application.channel == Channel.AKIMAT
    assert (application.consent_version, application.consent_language) == ("2026-2", "kk")
    assert application.consent_at is not None and application.entered_by_id is None
    assert application.access_code_hash and code.replace(" ", "") not in application.access_code_hash
    entry = store.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.to_status, entry.application_id) == ("submitted", Status.SUBMITTED, application.id)


def test_the_receipt_is_printable_and_personal_pages_are_not_cached(client, app):
    receipt = apply(client, app)
    assert "data-print" in page_text(receipt)
    assert receipt.headers["Cache-Control"] == "no-store"


ERRORS = [  # field, typed value, message
    ("iin", "12345", "The IIN has exactly 12 digits. Check the number on your ID card."),
    ("iin", "910312402000", "This IIN is not correct: a digit is probably mistyped. Check it against your ID card."),
    ("iin", "911312401000", "The first six digits of the IIN must be a real date of birth (YYMMDD)."),
    ("iin", "910312701000", "The 7th digit of the IIN must be from 1 to 6. Check the IIN on your ID card."),
    ("iin", "", "Enter your IIN."),
    ("surname", "Smith", "Use Kazakh or Russian letters; a hyphen or an apostrophe may join parts."),
    ("first_name", "", "Fill in this field."),
    ("phone", "+7 727 234 56 78", "Enter a Kazakhstan mobile number, for example +7 701 123 45 67."),
    ("phone", "", "Enter your mobile phone number."),
    ("region", "", "Choose your region."),
    ("district", "999999", "Choose your district from the list."),
    ("social_status", None, "Choose one."),
    ("social_status", "employed", "Choose one."),
    ("education", "", "Choose your education."),
    ("consent", None, "Without your consent we cannot accept the application."),
]


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("field, value, message", ERRORS)
def test_each_check_answers_next_to_its_field_in_the_page_language(client, app, locale, field, value, message, store):
    client.set_cookie("lang", locale)
    data = application_data(app, **{field: value})
    response = fill_in(client, data)
    assert response.status_code == 422
    body = page_text(response)
    error_block = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)
    assert error_block, f"no error next to {field}"
    assert html.unescape(error_block.group(1)) == translated(message, locale)
    # Everything typed is kept.
    for name in ("surname", "first_name", "patronymic"):
        if data.get(name) and name != field:
            assert f'value="{data[name]}"' in body
    assert store.count(Application) == 0


def test_under_18_is_refused_with_the_reason(client, app):
    day = today()
    almost = day.replace(year=day.year - 18) + timedelta(days=1)
    response = fill_in(client, application_data(app, iin=new_iin(almost)))
    assert shows(response, translated("Applicants must be 18 or older on the day of application.", "kk"))
    exactly = day.replace(year=day.year - 18)
    response = fill_in(client, application_data(app, iin=new_iin(exactly)))
    assert response.status_code == 302


def test_typed_iin_with_spaces_is_accepted(client, app):
    iin = new_iin()
    response = fill_in(client, application_data(app, iin=f"{iin[:6]} {iin[6:]}"))
    assert response.status_code == 302


def test_district_of_another_region_is_refused(client, app, store):
    other = store.scalar(sa.select(District).join(Region).where(Region.kato_code != "190000000").limit(1))
    response = fill_in(client, application_data(app, district=str(other.id)))
    assert shows(response, translated("Choose your district from the list.", "kk"))


def test_district_list_follows_the_region_with_htmx(client, app, store):
    region = store.scalar(sa.select(Region).where(Region.kato_code == "190000000"))
    response = client.get(f"/apply/districts?region={region.id}", headers={"HX-Request": "true"})
    body = page_text(response)
    assert "<html" not in body and 'id="district-slot"' in body
    assert "Қарасай ауданы" in body and "Сайрам ауданы" not in body
    assert body.count("<option") == store.count(District, District.region_id == region.id) + 1
    assert "HX-Request" in response.headers["Vary"]


def test_district_list_follows_the_region_without_javascript(client, app, store):
    region = store.scalar(sa.select(Region).where(Region.kato_code == "610000000"))
    data = {"region": str(region.id), "surname": "Әбілов", "action": "districts"}
    response = fill_in(client, data)
    body = page_text(response)
    assert response.status_code == 200 and "Сайрам ауданы" in body and "Қарасай ауданы" not in body
    assert 'value="Әбілов"' in body and 'class="error"' not in body
    assert "<noscript><button" in page_text(client.get("/apply"))


def test_the_districts_url_without_htmx_leads_back_to_the_form(client):
    assert client.get("/apply/districts?region=1").location.endswith("/apply")


def test_iin_feedback_while_typing(client, app):
    token = csrf_token(client, "/apply")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    response = client.post("/apply/iin", data={"iin": "850702301010"}, headers=headers)
    assert "<html" not in page_text(response) and shows(response, translated("male", "kk"))
    response = client.post("/apply/iin", data={"iin": "850702301011"}, headers=headers)
    assert shows(response, translated(
        "This IIN is not correct: a digit is probably mistyped. Check it against your ID card.", "kk"))
    assert client.post("/apply/iin", data={"iin": "8507"}, headers=headers).status_code == 200


def test_typed_answers_survive_a_language_switch(client, app):
    fill_in(client, application_data(app, surname="Smith"))
    client.get("/lang/ru?next=/apply")
    body = page_text(client.get("/apply"))
    assert 'value="Smith"' in body and '<html lang="ru">' in body


def test_change_link_brings_back_the_answers(client, app):
    data = application_data(app)
    fill_in(client, data)
    body = page_text(client.get("/apply"))
    assert f'value="{data["iin"]}"' in body and 'value="Сәрсенбаева"' in body


def test_check_page_without_a_form_goes_back_to_the_form(client):
    assert client.get("/apply/check").location.endswith("/apply")
    assert client.get("/apply/done").location.endswith("/")


def test_one_active_application_per_iin_per_year(client, app, store):
    iin = new_iin()
    apply(client, app, iin=iin)
    other = app.test_client()
    assert fill_in(other, application_data(app, iin=iin)).status_code == 302  # told only when sent (test_iin_probing)
    response = post_form(other, "/apply/submit", {}, page="/apply/check")
    message = translated("An application with this IIN was already made for %(year)s. "
                         "You can follow it on the status page.", "kk", year=today().year)
    assert response.status_code == 409 and shows(response, message)
    assert 'href="/status"' in page_text(response)
    assert store.count(Application) == 1


def test_a_duplicate_caught_only_at_sending_is_refused_kindly(client, app, store):
    iin = new_iin()
    fill_in(client, application_data(app, iin=iin))  # passes: nothing sent yet with this IIN
    apply(app.test_client(), app, iin=iin)  # someone else sends first
    response = post_form(client, "/apply/submit", {}, page="/apply/check")
    if response.status_code == 302:  # the check page itself re-validates
        response = client.get(response.location)
    assert shows(response, translated("An application with this IIN was already made for %(year)s. "
                                      "You can follow it on the status page.", "kk", year=today().year))
    assert store.count(Application) == 1


def test_earlier_participation_does_not_block_a_new_year(client, app, store):
    iin = new_iin()
    apply(client, app, iin=iin)
    store.execute(sa.update(Application).values(programme_year=today().year - 1))
    client.post("/finish", data={"csrf_token": csrf_token(client, "/apply/done")})
    apply(app.test_client(), app, iin=iin)
    years = store.scalars(sa.select(Application.programme_year).where(Application.iin == iin))
    assert sorted(years) == [today().year - 1, today().year]


def test_a_withdrawn_application_frees_the_year(client, app, store):
    iin = new_iin()
    apply(client, app, iin=iin)
    store.execute(sa.update(Application).values(status=Status.WITHDRAWN))
    apply(app.test_client(), app, iin=iin)
    assert store.count(Application) == 2


def test_double_click_creates_one_application_and_one_receipt(client, app, store):
    fill_in(client, application_data(app))
    token = csrf_token(client, "/apply/check")
    # Both clicks leave before either answer arrives: same cookie, same token, same form.
    first = client.post("/apply/submit", data={"csrf_token": token})
    second = client.post("/apply/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert store.count(Application) == 1
    assert receipt_details(client.get("/apply/done"))[0] == store.scalar(sa.select(Application)).reference


def test_a_resent_submission_after_the_receipt_shows_the_same_receipt(client, app, store):
    receipt = apply(client, app)
    again = post_form(client, "/apply/submit", {}, page="/apply/done")
    assert again.location.endswith("/apply/done")
    assert receipt_details(client.get("/apply/done")) == receipt_details(receipt)
    assert store.count(Application) == 1


def test_a_form_whose_session_expired_comes_back_with_what_was_typed(client, app, store):
    data = application_data(app, surname="Бекова")
    response = client.post("/apply", data={**data, "csrf_token": "stale"})
    assert response.status_code == 400
    assert 'value="Бекова"' in page_text(response)
    assert shows(response, translated(
        "For your safety the page was renewed. Check your answers and press Continue again.", "kk"))
    assert store.count(Application) == 0


def test_posting_without_csrf_token_changes_nothing(client, app, store):
    fill_in(client, application_data(app))
    assert client.post("/apply/submit").status_code == 400
    assert store.count(Application) == 0


def test_russian_applicant_gets_russian_receipt_and_consent_in_russian(client, app, store):
    receipt = apply(client, app, headers=RU)
    assert shows(receipt, translated("Application received", "ru"))
    application = store.scalar(sa.select(Application))
    assert application.language == "ru" and application.consent_language == "ru"
    form = page_text(client.get("/apply", headers=RU))
    assert "Собственник и оператор персональных данных: Национальная палата предпринимателей" in form
