"""The citizen's own consent in assisted intake: an operator no longer agrees for the citizen. The citizen signs the
printed consent (the operator records it) or confirms with a code sent to their phone; until then the application
waits, and the employment centre cannot decide about it. In Kazakh and Russian."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau.extensions import db
from bastau.models import Application, AuditEntry, Channel, ConsentWay, Role, SmsMessage, Status, User
from bastau.sms.outbox import shown_text
from tests.conftest import login, page_text, post_form, translated
from tests.journey import RU, apply, look_up, receipt_details, shows

LANGUAGES = ("kk", "ru")
HEADERS = {"kk": {}, "ru": RU}


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR, office=Channel.AKIMAT)


def assisted(client, app, store, operator, language="kk", **overrides):
    """The operator enters an application for a citizen: the receipt, and the stored application."""
    login(client, operator)
    receipt = apply(client, app, headers=HEADERS[language], channel=None, **{"consent": None, **overrides})
    return receipt, store.scalar(sa.select(Application).order_by(Application.id.desc()).limit(1))


def the_code(store, application_id: int) -> str:
    message = store.scalar(sa.select(SmsMessage).where(SmsMessage.application_id == application_id,
                                                       SmsMessage.kind == "consent_code")
                           .order_by(SmsMessage.id.desc()).limit(1))
    return re.search(r"\b(\d{3} \d{3})\b", message.text).group(1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_operator_cannot_agree_for_the_citizen(client, app, store, operator, language):
    login(client, operator)
    form = client.get("/apply", headers=HEADERS[language])
    assert 'name="consent"' not in page_text(form)  # no box to tick for someone else
    assert shows(form, translated("Do not agree for the citizen. After you send the application, the citizen gives "
                                  "the consent themself: by signing the printed consent, or with a code sent to "
                                  "their phone.", language))
    receipt, application = assisted(client, app, store, operator, language, consent="y")  # a forged tick is ignored
    assert application.consent_way == ConsentWay.PENDING and application.consent_recorded_by_id is None
    assert application.entered_by_id == operator.id and application.consent_language == language
    # The receipt prints the consent for the citizen's signature, in their language, and offers both ways.
    assert shows(receipt, translated("Print the receipt and the consent", language))
    assert shows(receipt, translated("Record: signed on paper", language))
    assert shows(receipt, translated("Send the code", language))
    assert shows(receipt, translated("Signature", language)) and 'class="print-sheet"' in page_text(receipt)
    assert shows(receipt, application.iin) and shows(receipt, "2026-2")
    # Nothing goes to the phone before the person agreed: the receipt SMS waits for the consent.
    assert store.count(SmsMessage) == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_paper_signature_is_recorded_by_the_operator(client, app, store, operator, language):
    _receipt, application = assisted(client, app, store, operator, language)
    unticked = post_form(client, f"/consent/{application.id}/paper", {"next": "/apply/done"}, page="/apply/done",
                         headers=HEADERS[language])
    assert unticked.status_code == 422
    assert shows(unticked, translated("Tick this only once the citizen has signed.", language))
    assert store.scalar(sa.select(Application.consent_way)) == ConsentWay.PENDING
    done = post_form(client, f"/consent/{application.id}/paper", {"signed": "y", "next": "/apply/done"},
                     page="/apply/done", headers=HEADERS[language])
    assert done.status_code == 302 and done.location == "/apply/done"
    receipt = client.get("/apply/done", headers=HEADERS[language])
    assert shows(receipt, translated("The citizen's consent is recorded: signed on paper.", language))
    assert not shows(receipt, translated("Record: signed on paper", language))
    stored = store.scalar(sa.select(Application))
    assert (stored.consent_way, stored.consent_recorded_by_id) == (ConsentWay.PAPER, operator.id)
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "consent_given"))
    assert (entry.actor_id, entry.reason, entry.application_id, entry.note) == (operator.id, "paper", stored.id, None)
    assert [m.kind for m in store.scalars(sa.select(SmsMessage))] == ["receipt"]  # now it may go
    again = post_form(client, f"/consent/{application.id}/paper", {"signed": "y"}, page=f"/consent/{application.id}")
    assert again.status_code == 409
    # The application page says who recorded it.
    page = client.get(f"/staff/applications/{application.id}", headers=HEADERS[language])
    assert shows(page, translated("Signed on paper by the citizen; recorded by %(name)s on %(date)s.", language,
                                  name="NAME", date="DATE").split("NAME")[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_citizen_confirms_with_a_code_sent_to_their_phone(client, app, store, operator, language):
    _receipt, application = assisted(client, app, store, operator, language, sms="no")  # no SMS about the application
    sent = post_form(client, f"/consent/{application.id}/code", {"next": "/apply/done"}, page="/apply/done")
    assert sent.status_code == 302
    message = store.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "consent_code"))
    assert message.phone == application.phone and message.language == language
    code = the_code(store, application.id)
    assert code not in shown_text(message), "the operator must not read the code from the staff pages"
    receipt = client.get("/apply/done", headers=HEADERS[language])
    assert shows(receipt, translated("Confirm the code", language))
    wrong = "000 000" if code != "000 000" else "111 111"
    refused = post_form(client, f"/consent/{application.id}/confirm", {"code": wrong, "next": "/apply/done"},
                        page="/apply/done", headers=HEADERS[language])
    assert refused.status_code == 422
    assert shows(refused, translated("The code is not right. Ask the citizen to read it again from the SMS.", language))
    assert store.scalar(sa.select(Application.consent_code_tries)) == 1
    confirmed = post_form(client, f"/consent/{application.id}/confirm", {"code": code.replace(" ", ""),
                                                                          "next": "/apply/done"}, page="/apply/done")
    assert confirmed.status_code == 302
    stored = store.scalar(sa.select(Application))
    assert (stored.consent_way, stored.consent_recorded_by_id) == (ConsentWay.SMS, operator.id)
    assert stored.consent_code_hash is None  # used once
    actions = store.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id))
    assert actions == ["submitted", "consent_code_sent", "consent_given"]
    assert store.scalar(sa.select(AuditEntry.reason).where(AuditEntry.action == "consent_given")) == "sms"
    page = client.get(f"/staff/applications/{application.id}", headers=HEADERS[language])
    assert shows(page, translated("Confirmed by the citizen with a code sent to their phone; entered by %(name)s on "
                                  "%(date)s.", language, name="NAME", date="DATE").split("NAME")[0])


def test_a_code_is_good_for_15_minutes_and_5_wrong_tries(client, app, store, operator):
    _receipt, application = assisted(client, app, store, operator)
    post_form(client, f"/consent/{application.id}/code", {}, page="/apply/done")
    code = the_code(store, application.id)
    for _ in range(5):
        post_form(client, f"/consent/{application.id}/confirm", {"code": "999 999" if code != "999 999" else "1"},
                  page="/apply/done")
    too_many = post_form(client, f"/consent/{application.id}/confirm", {"code": code}, page="/apply/done")
    assert too_many.status_code == 422
    assert shows(too_many, translated("This code is no longer valid. Send a new code to the citizen's phone.", "kk"))
    post_form(client, f"/consent/{application.id}/code", {}, page="/apply/done")  # a new code, new tries
    code = the_code(store, application.id)
    sent_at = store.scalar(sa.select(Application.consent_code_sent_at))
    store.execute(sa.update(Application).values(consent_code_sent_at=sent_at - timedelta(minutes=16)))
    late = post_form(client, f"/consent/{application.id}/confirm", {"code": code}, page="/apply/done")
    assert late.status_code == 422 and store.scalar(sa.select(Application.consent_way)) == ConsentWay.PENDING


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_centre_cannot_decide_while_the_consent_is_pending(client, app, store, operator, make_user, language):
    _receipt, waiting = assisted(app.test_client(), app, store, operator)
    apply(app.test_client(), app)  # an online one beside it
    online = store.scalar(sa.select(Application).where(Application.consent_way == ConsentWay.ONLINE))
    login(client, make_user(Role.CENTRE_OFFICER))
    client.set_cookie("lang", language)
    queue = page_text(client.get("/centre/"))
    assert translated("Waiting for the citizen's consent", language) in queue.replace("&#39;", "'")
    assert f'name="application" value="{waiting.id}"' not in queue  # nothing to tick
    assert f'name="application" value="{online.id}"' in queue
    page = client.get(f"/staff/applications/{waiting.id}")
    assert 'action="/centre/decide"' not in page_text(page)
    assert shows(page, translated("Waiting for the citizen's own consent", language))
    # Even a forged decision leaves it as it was, and says why.
    ticked = {"action": "confirm", "application": [str(waiting.id), str(online.id)]}
    response = post_form(client, "/centre/decide", ticked, page="/centre/", headers={"HX-Request": "true"})
    statuses = {a.id: a.status for a in store.scalars(sa.select(Application))}
    assert statuses[waiting.id] == Status.SUBMITTED and statuses[online.id] == Status.TARGET_GROUP_CONFIRMED
    said = {"kk": "1 өтінім өзгеріссіз қалды: азаматтың өз келісімі әлі тіркелмеген.",
            "ru": "1 заявка оставлена без изменений: собственное согласие гражданина ещё не записано."}[language]
    assert said in page_text(response)


def test_the_consent_desk_is_for_the_staff_who_meet_the_citizen(client, app, store, operator, make_user):
    _receipt, application = assisted(app.test_client(), app, store, operator)
    login(client, make_user(Role.CENTRE_OFFICER))  # the citizen came back to the centre with the signed sheet
    desk = client.get(f"/consent/{application.id}")
    assert desk.status_code == 200 and shows(desk, application.full_name) and shows(desk, "2026-2")
    assert 'href="/consent/%d"' % application.id in page_text(client.get(f"/staff/applications/{application.id}"))
    assert post_form(client, f"/consent/{application.id}/paper", {"signed": "y"},
                     page=f"/consent/{application.id}").status_code == 302
    trainer = app.test_client()
    login(trainer, make_user(Role.TRAINER))
    assert trainer.get(f"/consent/{application.id}").status_code == 403


def test_the_operators_desk_shows_who_still_has_to_consent(client, app, store, operator):
    _receipt, application = assisted(client, app, store, operator)
    desk = page_text(client.get("/staff/"))
    assert f'href="/consent/{application.id}"' in desk
    assert translated("Waiting: record the citizen's consent", "kk") in desk.replace("&#39;", "'")


def test_the_audit_log_keeps_ids_and_decisions_only(client, app, store, operator):
    _receipt, application = assisted(client, app, store, operator)
    post_form(client, f"/consent/{application.id}/code", {}, page="/apply/done")
    code = the_code(store, application.id)
    post_form(client, f"/consent/{application.id}/confirm", {"code": code}, page="/apply/done")
    for entry in store.scalars(sa.select(AuditEntry)):
        written = " ".join(str(value) for value in (entry.action, entry.reason, entry.note, entry.actor_role))
        for personal in (application.iin, application.surname, application.phone[-7:], code, code.replace(" ", "")):
            assert personal not in written, (entry.action, personal)


def test_the_demo_has_an_assisted_application_waiting_for_the_signature(app, store):
    from bastau import demo
    with app.app_context():
        db.session.execute(sa.delete(User))
        db.session.commit()
        demo.load()
    waiting = store.scalars(sa.select(Application).where(Application.consent_way == ConsentWay.PENDING))
    assert len(waiting) == 1 and waiting[0].entered_by_id is not None and waiting[0].status == Status.SUBMITTED
    entered = store.scalars(sa.select(Application).where(Application.entered_by_id.is_not(None),
                                                         Application.consent_way != ConsentWay.PENDING))
    assert entered and all(a.consent_way == ConsentWay.PAPER and a.consent_recorded_by_id for a in entered)


def test_at_most_five_codes_an_hour_go_to_one_phone(client, app, store, operator):
    _receipt, application = assisted(client, app, store, operator)
    answers = [post_form(client, f"/consent/{application.id}/code", {}, page=f"/consent/{application.id}").status_code
               for _ in range(6)]
    assert answers == [302] * 5 + [429]
    assert store.count(SmsMessage, SmsMessage.kind == "consent_code") == 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_check_your_answers_says_the_citizen_consents_after_sending(client, app, operator, language):
    from tests.conftest import application_data
    from tests.journey import fill_in
    login(client, operator)
    fill_in(client, application_data(app, channel=None, consent=None), headers=HEADERS[language])
    check = client.get("/apply/check", headers=HEADERS[language])
    assert shows(check, translated("The citizen gives it after the application is sent: a signature on paper or a "
                                   "code by SMS", language))


def test_the_migration_marks_earlier_operator_ticks_as_such(tmp_path):
    """Before 2026-2 an operator ticked the box for the citizen: those applications say so, not "online"."""
    import sqlite3

    from flask_migrate import upgrade

    from bastau import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}",
                      "SECRET_KEY": "x", "PLAN_STORAGE": str(tmp_path)})
    columns = ("id, programme_year, iin, surname, first_name, birth_date, sex, phone, district_id, social_status, "
               "education, channel, status, access_code_hash, submission_key, entered_by_id, language, "
               "consent_version, consent_language, consent_at, created_at, updated_at")
    row = ("{id}, 2026, '9005174000{id}', 'А', 'Б', '1990-05-17', 'female', '+77011234567', 1, 'unemployed', "
           "'secondary', 'akimat', 'submitted', '-', 'key-{id}', {by}, 'kk', '2026-1', 'kk', '2026-04-01', "
           "'2026-04-01', '2026-04-01'")
    with app.app_context():
        upgrade(revision="a14d00000001")
        db.engine.dispose()
        with sqlite3.connect(tmp_path / "m.sqlite") as conn:  # foreign keys off: no districts or staff needed
            for application_id, by in ((1, "NULL"), (2, "7")):
                conn.execute(f"INSERT INTO application ({columns}) VALUES ({row.format(id=application_id, by=by)})")
        upgrade(revision="a16c00000001")
        with db.engine.connect() as conn:
            ways = dict(conn.exec_driver_sql("SELECT id, consent_way FROM application").all())
        db.engine.dispose()
    assert ways == {1: "online", 2: "operator_ticked"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_citizens_status_page_says_their_consent_is_awaited_until_it_is_recorded(app, store, operator, language):
    staff, citizen = app.test_client(), app.test_client()
    receipt, application = assisted(staff, app, store, operator, language)
    reference, code = receipt_details(receipt)
    waiting = translated("Your own consent to the processing of your personal data is not recorded yet, so the "
                         "employment centre cannot look at your application. Sign the printed consent where your "
                         "application was entered, or give the staff there the code sent to your phone.", language)
    found = look_up(citizen, {"reference": reference, "iin": application.iin, "access_code": code}, HEADERS[language])
    assert found.status_code == 302
    assert shows(citizen.get("/status/view", headers=HEADERS[language]), waiting)
    post_form(staff, f"/consent/{application.id}/paper", {"signed": "y", "next": "/apply/done"}, page="/apply/done")
    assert not shows(citizen.get("/status/view", headers=HEADERS[language]), waiting)
