"""Withdrawal of consent: from the applicant's status page (kk and ru, with and without JavaScript) and by staff on a
written request; the application leaves the programme through the life cycle, then the person's data are erased."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau import personal_data
from bastau.clock import today
from bastau.models import Application, AuditEntry, ConsentWithdrawal, Role, Status
from tests.conftest import district, login, page_text, post_form, translated
from tests.journey import RU, look_up

SHOTS = Path("/tmp/shots/erasure")
LANGUAGES = {"kk": {}, "ru": RU}


def _erased(store, application_id: int) -> Application:
    return store.scalar(sa.select(Application).where(Application.id == application_id))


def _id_of(store, iin: str) -> int:
    return store.scalar(sa.select(Application.id).where(Application.iin == iin))


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_applicant_withdraws_consent_from_the_status_page(client, store, receipt, locale):
    headers = LANGUAGES[locale]
    application_id = _id_of(store, receipt["iin"])
    assert look_up(client, receipt, headers).status_code == 302
    view = page_text(client.get("/status/view", headers=headers))
    assert 'id="withdraw-consent-link"' in view and translated("Withdraw my consent and erase my data", locale) in view

    page = client.get("/status/consent", headers=headers)
    text = page_text(page)
    assert page.status_code == 200
    # It says what will happen, that it is irreversible, and in the person's language.
    for said in ("This cannot be undone. After it, nobody can see your application by your IIN, and neither can you.",
                 "The application is withdrawn: the person leaves the programme and their place in training goes "
                 "to someone else.",
                 "A certificate stays valid: the public check page only says that it was issued, with no name."):
        assert translated(said, locale) in text

    unticked = post_form(client, "/status/consent", {}, headers=headers)
    assert unticked.status_code == 422
    assert translated("Tick the box to confirm, or go back to keep your data.", locale) in page_text(unticked)
    assert _erased(store, application_id).anonymised_at is None

    done = post_form(client, "/status/consent", {"understood": "y"}, headers=headers)
    assert done.status_code == 302 and done.location.endswith("/status/consent/done")
    final = client.get(done.location, headers=headers)
    assert translated("Your data are erased", locale) in page_text(final)
    assert receipt["iin"] not in page_text(final)

    person = _erased(store, application_id)
    assert (person.status, person.anonymised_reason) == (Status.WITHDRAWN, personal_data.CONSENT_WITHDRAWN)
    assert person.iin != receipt["iin"] and person.phone == "" and person.surname == personal_data.ERASED_NAME
    # The move went through the life cycle's door, by the applicant, with its own reason.
    moved = store.scalar(sa.select(AuditEntry).where(AuditEntry.application_id == application_id,
                                                     AuditEntry.to_status == Status.WITHDRAWN))
    assert (moved.action, moved.reason, moved.actor_role) == ("withdrawn", "consent_withdrawn", "applicant")
    # The session ended: the status page is not open any more, and the receipt's details find nothing.
    assert client.get("/status/view").status_code == 302
    assert look_up(client, receipt, headers).status_code == 404


def test_consent_can_be_withdrawn_after_the_training_and_the_status_stays(client, store, receipt):
    application_id = _id_of(store, receipt["iin"])
    store.execute(sa.update(Application).where(Application.id == application_id).values(status=Status.DEFENDED))
    look_up(client, receipt)
    text = page_text(client.get("/status/consent"))
    assert translated("The application is already closed or its training is completed, so it keeps its status: "
                      "it is still counted in the programme's figures, without a name.", "kk") in text
    assert post_form(client, "/status/consent", {"understood": "y"}).status_code == 302
    person = _erased(store, application_id)
    assert person.status == Status.DEFENDED and person.anonymised_at is not None
    assert store.count(AuditEntry, AuditEntry.to_status == Status.WITHDRAWN) == 0


def test_the_consent_page_needs_an_opened_application(client):
    assert client.get("/status/consent").status_code == 302
    assert client.post("/status/consent", data={"understood": "y"}).status_code in (302, 400)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_staff_record_a_written_request_with_its_number_and_date(app, client, store, make_user,
                                                                 make_application, locale):
    application_id = make_application(status=Status.IN_TRAINING, surname="Жақыпова", first_name="Ләззат")
    chamber = make_user(Role.CHAMBER_STAFF)
    login(client, chamber)
    client.set_cookie("lang", locale)
    url = f"/staff/applications/{application_id}/consent-withdrawal"
    staff_page = page_text(client.get(f"/staff/applications/{application_id}"))
    assert 'id="consent-withdrawal-link"' in staff_page

    form = client.get(url)
    assert form.status_code == 200
    assert translated("Record this only when the person has asked in writing. This cannot be undone.",
                      locale) in page_text(form)
    missing = post_form(client, url, {"request_number": "", "request_date": ""})
    assert missing.status_code == 422
    future = post_form(client, url, {"request_number": "12/345",
                                     "request_date": (today() + timedelta(days=1)).isoformat()})
    assert translated("The request cannot be dated later than today.", locale) in page_text(future)

    asked_on = today() - timedelta(days=2)
    confirm = post_form(client, url, {"request_number": "12/345", "request_date": asked_on.isoformat()})
    text = page_text(confirm)
    assert confirm.status_code == 200 and 'id="confirm-erasure"' in text and "12/345" in text
    assert _erased(store, application_id).anonymised_at is None  # the confirmation page changed nothing

    done = post_form(client, url, {"request_number": "12/345", "request_date": asked_on.isoformat(),
                                   "confirmed": "yes"}, page=url)
    assert done.status_code == 302 and done.location.endswith(f"/staff/applications/{application_id}")
    person = _erased(store, application_id)
    assert (person.status, person.anonymised_reason) == (Status.WITHDRAWN, personal_data.CONSENT_WITHDRAWN)
    request, = store.scalars(sa.select(ConsentWithdrawal))
    assert (request.way, request.request_number, request.request_date, request.recorded_by_id) == (
        personal_data.WRITTEN_REQUEST, "12/345", asked_on, chamber.id)
    erased = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == personal_data.ERASED_ACTION))
    assert erased.actor_id == chamber.id
    after = page_text(client.get(f"/staff/applications/{application_id}"))
    assert 'id="anonymised"' in after and "Жақыпова" not in after and "Ләззат" not in after
    again = client.get(url)
    assert again.status_code == 409


def test_only_the_chamber_of_the_district_and_the_national_administrator_erase(app, make_user, make_application,
                                                                               store):
    application_id = make_application(status=Status.SUBMITTED)
    url = f"/staff/applications/{application_id}/consent-withdrawal"
    for role in (Role.OPERATOR, Role.CENTRE_OFFICER, Role.TRAINER, Role.COMMISSION, Role.REGIONAL_ADMIN):
        client = app.test_client()
        login(client, make_user(role))
        assert client.get(url).status_code == 403, role
    other = app.test_client()
    login(other, make_user(Role.CHAMBER_STAFF, "615200000"))  # another district
    assert other.get(url).status_code == 404
    national = app.test_client()
    login(national, make_user(Role.NATIONAL_ADMIN))
    data = {"request_number": "ВХ-7", "request_date": today().isoformat(), "confirmed": "yes"}
    assert post_form(national, url, data, page=url).status_code == 302
    assert _erased(store, application_id).anonymised_reason == personal_data.CONSENT_WITHDRAWN


def test_a_name_is_not_a_request_number(client, make_user, make_application):
    application_id = make_application()
    login(client, make_user(Role.CHAMBER_STAFF))
    url = f"/staff/applications/{application_id}/consent-withdrawal"
    response = post_form(client, url, {"request_number": "Әбенова Дана", "request_date": today().isoformat()})
    assert response.status_code == 422


# ---- In Chromium: with JavaScript and without, both languages; screenshots for a look ----

@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_withdrawal_of_consent_in_the_browser(live_server, browser, app, store, receipt, locale, javascript):
    application_id = _id_of(store, receipt["iin"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 360, "height": 640})):
        if name == "desktop" and not javascript:
            continue  # one viewport is enough to show it works with JavaScript off
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
        page = context.new_page()
        page.goto(live_server + "/status")
        page.fill("#reference", receipt["reference"])
        page.fill("#iin", receipt["iin"])
        page.fill("#access_code", receipt["access_code"])
        page.click("main form button")
        page.wait_for_url("**/status/view")
        suffix = f"{locale}-{name}{'' if javascript else '-nojs'}"
        page.screenshot(path=str(SHOTS / f"status-view-{suffix}.png"), full_page=True)
        page.click("#withdraw-consent-link")
        page.wait_for_url("**/status/consent")
        page.screenshot(path=str(SHOTS / f"consent-{suffix}.png"), full_page=True)
        if name == "phone":
            page.click("#confirm-withdraw-consent")  # not ticked: refused, the page says why
            page.wait_for_selector("#understood-error")
            page.screenshot(path=str(SHOTS / f"consent-error-{suffix}.png"), full_page=True)
            assert _erased(store, application_id).anonymised_at is None
            page.check("#understood")
            page.click("#confirm-withdraw-consent")
            page.wait_for_url("**/status/consent/done")
            assert translated("Your data are erased", locale) in page.inner_text("main")
            page.screenshot(path=str(SHOTS / f"consent-done-{suffix}.png"), full_page=True)
        context.close()
    person = _erased(store, application_id)
    assert person.anonymised_at is not None and person.status == Status.WITHDRAWN


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_staff_record_a_written_request_in_the_browser(live_server, browser, app, store, make_user,
                                                       make_application, locale):
    from tests.conftest import browser_sign_in
    from bastau.models import Certificate, CertificateKind, Cohort
    application_id = make_application(status=Status.DEFENDED, surname="Байжанова", first_name="Ақмарал")
    chamber = make_user(Role.CHAMBER_STAFF)
    with app.app_context():  # a certificate, to see its public page after the erasure
        from bastau.extensions import db
        cohort = Cohort(district_id=district().id, programme_year=today().year, number=4, language=locale,
                        venue="Қаскелең", start_date=today() - timedelta(days=60), training_days=25, capacity=20,
                        trainer_id=chamber.id, created_by_id=chamber.id)
        db.session.add(cohort)
        db.session.flush()
        from bastau import rules
        number = rules.certificate_number(today().year)
        db.session.add(Certificate(application_id=application_id, number=number,
                                   kind=CertificateKind.COMPLETION, cohort_id=cohort.id, language=locale,
                                   issued_on=today() - timedelta(days=20), issued_by_id=chamber.id))
        db.session.commit()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 360, "height": 640})):
        context, page = browser_sign_in(browser, live_server, chamber, locale=locale, viewport=viewport)
        page.goto(f"{live_server}/staff/applications/{application_id}")
        page.click("#consent-withdrawal-link")
        page.fill("#request_number", "12/345")
        page.fill("#request_date", (today() - timedelta(days=1)).isoformat())
        page.screenshot(path=str(SHOTS / f"staff-request-{locale}-{name}.png"), full_page=True)
        page.click("#check-request")
        page.wait_for_selector("#confirm-erasure")
        page.screenshot(path=str(SHOTS / f"staff-confirm-{locale}-{name}.png"), full_page=True)
        if name == "phone":
            page.click("#confirm-erasure")
            page.wait_for_selector("#anonymised")
            page.screenshot(path=str(SHOTS / f"staff-erased-{locale}-{name}.png"), full_page=True)
            assert "Байжанова" not in page.inner_text("main")
            page.goto(f"{live_server}/certificates/{number}")
            assert page.get_attribute("#verification", "data-erased") == "true"
            page.screenshot(path=str(SHOTS / f"certificate-erased-{locale}-{name}.png"), full_page=True)
        context.close()
    assert _erased(store, application_id).anonymised_reason == personal_data.CONSENT_WITHDRAWN
