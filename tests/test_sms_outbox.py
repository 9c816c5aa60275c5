"""The SMS outbox: written with the event (or not at all), once per key, in the person's language, held in quiet
hours, capped per phone and day; delivered by the job engine exactly once, with retries and back-off, a
permanent failure, and no second send after a worker died mid-send (simulated, `kill -9`, two workers at once).
The staff page "Sent messages" and the person's SMS on the application page."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from bastau import clock, rules
from bastau.database import writing
from bastau.extensions import db
from bastau.jobs import BY_NAME, run_job
from bastau.models import Application, Role, SmsMessage, SmsState
from bastau.sms import outbox
from bastau.sms.gateway import PermanentFailure, SendResult, TemporaryFailure
from bastau.sms.outbox import CAP_ERROR, STALE_ERROR, messages_of, queue
from bastau.sms.texts import TEXTS
from tests.conftest import login, page_text, translated
from tests.test_sms_gateway import API_KEY, start_fake_mobizon

ROOT = Path(__file__).resolve().parent.parent
ALMATY = ZoneInfo("Asia/Almaty")
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=ALMATY)


class Clock:
    def __init__(self, monkeypatch, start: datetime = NOON):
        self.moment = start
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def at(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _queue(app, application_id: int, kind: str = "receipt", key: str | None = None, urgent: bool = False, **values):
    """queue() inside a transaction of its own, as a service would call it; the message's id, or None."""
    with app.app_context():
        with writing():
            application = db.session.get(Application, application_id)
            if kind == "access_code":
                values = {"reference": application.reference, "code": "1234 5678", **values}
            else:
                values = values or {"reference": application.reference, "url": "bastau.kz/status"}
            message = queue(application, kind, key=key or f"test:{uuid.uuid4()}", urgent=urgent, **values)
            message_id = message.id if message is not None else None
        return message_id


def _person(make_application, store, **columns) -> int:
    """An application with other columns than make_application's (language, SMS choice, phone)."""
    person = make_application()
    store.execute(sa.update(Application).where(Application.id == person).values(**columns))
    return person


def _message(store, message_id: int) -> SmsMessage:
    return store.scalar(sa.select(SmsMessage).where(SmsMessage.id == message_id))


class Scripted:
    """A gateway whose answers the test chooses; it counts what it was handed."""
    name = "test"
    polls = False

    def __init__(self, *answers):
        self.answers = list(answers)  # SendResult-making callables or exceptions; the last one repeats
        self.handed: list[int] = []

    def send(self, message):
        self.handed.append(message.id)
        answer = self.answers[0] if len(self.answers) == 1 else self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return SendResult(gateway_id=f"g-{message.id}-{len(self.handed)}")

    def status(self, gateway_id):
        return "pending"


@pytest.fixture
def gateway(monkeypatch):
    def use(*answers) -> Scripted:
        scripted = Scripted(*answers or ("ok",))
        monkeypatch.setattr(outbox, "gateway_for", lambda config: scripted)
        return scripted
    return use


def _deliver(app):
    with app.app_context():
        return run_job(BY_NAME["sms_delivery"])


# ---- queue ----

def test_one_message_per_key(app, make_application, store, at):
    person = make_application()
    first = _queue(app, person, key="receipt:1")
    assert _queue(app, person, key="receipt:1") == first
    assert store.count(SmsMessage) == 1


def test_the_text_is_in_the_language_the_person_chose(app, make_application, store, at):
    for language in ("kk", "ru"):
        person = _person(make_application, store, language=language)
        message = _message(store, _queue(app, person, url="bastau.kz/status", reference="BB-2026-000001"))
        with app.app_context(), force_locale(language):
            expected = str(TEXTS["receipt"]) % {"reference": "BB-2026-000001", "url": "bastau.kz/status"}
        assert (message.language, message.text, message.phone) == (language, expected, "+77011234567")
        assert (message.state, message.attempts, message.kind) == (SmsState.QUEUED, 0, "receipt")


def test_nothing_is_queued_when_the_callers_transaction_rolls_back(app, make_application, store, at):
    person = make_application()
    with app.app_context(), pytest.raises(RuntimeError):
        with writing():
            queue(db.session.get(Application, person), "receipt", key="receipt:rolled-back",
                  reference="BB-2026-000001", url="bastau.kz/status")
            raise RuntimeError("the decision was refused")
    assert store.count(SmsMessage) == 0


def test_a_person_who_stopped_sms_gets_only_the_code_they_ask_for(app, make_application, store, at):
    person = _person(make_application, store, sms_opt_in=False)
    assert _queue(app, person) is None
    code = _queue(app, person, "access_code", urgent=True)
    assert code is not None and _message(store, code).state == SmsState.QUEUED
    assert store.count(SmsMessage) == 1


@pytest.mark.parametrize("hour, minute, goes_at", [
    (20, 59, datetime(2026, 12, 2, 20, 59, tzinfo=ALMATY)),
    (21, 0, datetime(2026, 12, 3, 9, 0, tzinfo=ALMATY)),
    (8, 59, datetime(2026, 12, 2, 9, 0, tzinfo=ALMATY)),
    (9, 0, datetime(2026, 12, 2, 9, 0, tzinfo=ALMATY)),
])
def test_quiet_hours_hold_a_message_until_nine(app, make_application, store, at, hour, minute, goes_at):
    at.set(datetime(2026, 12, 2, hour, minute, tzinfo=ALMATY))
    message = _message(store, _queue(app, make_application()))
    assert message.not_before == utc(goes_at)
    assert message.created_at == utc(at.moment)


def test_an_urgent_message_ignores_quiet_hours(app, make_application, store, at):
    at.set(datetime(2026, 12, 2, 23, 30, tzinfo=ALMATY))
    message = _message(store, _queue(app, make_application(), "access_code", urgent=True))
    assert message.not_before == utc(at.moment)


def test_quiet_hours_hold_delivery_until_the_morning(app, make_application, store, at, gateway):
    scripted = gateway()
    at.set(datetime(2026, 12, 2, 22, 0, tzinfo=ALMATY))
    message = _queue(app, make_application())
    at.set(datetime(2026, 12, 3, 8, 59, tzinfo=ALMATY))
    assert str(_deliver(app)) == "0 sent, 0 to retry, 0 failed"
    at.set(datetime(2026, 12, 3, 9, 0, tzinfo=ALMATY))
    _deliver(app)
    assert scripted.handed == [message]


def test_the_daily_cap_per_phone_cancels_what_is_over_it(app, make_application, store, at):
    person, other = make_application(), _person(make_application, store, phone="+77770000000")
    assert app.config["SMS_DAILY_CAP"] == rules.SMS_DAILY_CAP == 10
    for n in range(9):
        _queue(app, person)
    _queue(app, person, "access_code", urgent=True)  # urgent ones count too: the tenth
    over = _message(store, _queue(app, person))
    assert (over.state, over.last_error) == (SmsState.CANCELLED, CAP_ERROR)
    assert _message(store, _queue(app, other)).state == SmsState.QUEUED  # another phone
    at.set(datetime(2026, 12, 2, 23, 59, tzinfo=ALMATY))
    assert _message(store, _queue(app, person)).state == SmsState.CANCELLED  # the cancelled ones do not count
    at.set(datetime(2026, 12, 3, 0, 0, tzinfo=ALMATY))  # a new Almaty day
    assert _message(store, _queue(app, person)).state == SmsState.QUEUED
    assert store.count(SmsMessage, SmsMessage.state == SmsState.CANCELLED) == 2


# ---- delivery ----

def test_the_development_back_end_delivers_at_once_and_only_once(app, make_application, store, at):
    message_id = _queue(app, make_application())
    assert str(_deliver(app)) == "1 sent, 0 to retry, 0 failed"
    message = _message(store, message_id)
    assert (message.state, message.gateway, message.gateway_id) == (SmsState.DELIVERED, "dev", f"dev-{message_id}")
    assert message.sent_at == message.delivered_at == utc(NOON) and message.attempts == 1
    assert str(_deliver(app)) == "0 sent, 0 to retry, 0 failed"


def test_a_message_is_handed_over_once(app, make_application, store, at, gateway):
    scripted = gateway()
    ids = [_queue(app, make_application()) for _ in range(3)]
    _deliver(app)
    _deliver(app)
    at.advance(hours=1)
    _deliver(app)
    assert scripted.handed == ids
    assert {(m.state, m.attempts, m.gateway) for m in store.scalars(sa.select(SmsMessage))} == {
        (SmsState.SENT, 1, "test")}


def test_a_temporary_failure_is_retried_with_back_off_then_fails(app, make_application, store, at, gateway):
    scripted = gateway(TemporaryFailure("mobizon: HTTP 503"))
    message_id = _queue(app, make_application())
    waits = []
    for attempt in range(1, rules.SMS_MAX_ATTEMPTS + 1):
        _deliver(app)
        message = _message(store, message_id)
        assert message.attempts == attempt and len(scripted.handed) == attempt
        if attempt == rules.SMS_MAX_ATTEMPTS:
            break
        assert message.state == SmsState.QUEUED and "HTTP 503" in message.last_error
        wait = message.not_before - utc(at.moment)
        waits.append(wait)
        at.advance(seconds=wait.total_seconds() - 1)
        _deliver(app)  # a second too early: nothing
        assert len(scripted.handed) == attempt
        at.advance(seconds=1)
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert message.state == SmsState.FAILED and "gave up after 6 tries" in message.last_error
    at.advance(hours=1)
    _deliver(app)
    assert len(scripted.handed) == rules.SMS_MAX_ATTEMPTS


def test_a_temporary_failure_then_success(app, make_application, store, at, gateway):
    scripted = gateway(TemporaryFailure("mobizon code 99: busy"), "ok")
    message_id = _queue(app, make_application())
    _deliver(app)
    at.advance(minutes=1)
    assert str(_deliver(app)) == "1 sent, 0 to retry, 0 failed"
    message = _message(store, message_id)
    assert (message.state, message.attempts, message.last_error) == (SmsState.SENT, 2, None)
    assert len(scripted.handed) == 2


def test_a_retry_in_the_evening_waits_for_the_morning(app, make_application, store, at, gateway):
    gateway(TemporaryFailure("mobizon: HTTP 503"))
    at.set(datetime(2026, 12, 2, 20, 59, 30, tzinfo=ALMATY))
    message_id = _queue(app, make_application())
    _deliver(app)
    assert _message(store, message_id).not_before == utc(datetime(2026, 12, 3, 9, 0, tzinfo=ALMATY))


def test_a_permanent_failure_fails_at_once(app, make_application, store, at, gateway):
    scripted = gateway(PermanentFailure("mobizon code 1: wrong recipient"))
    message_id = _queue(app, make_application())
    assert str(_deliver(app)) == "0 sent, 0 to retry, 1 failed"
    at.advance(hours=1)
    _deliver(app)
    message = _message(store, message_id)
    assert (message.state, message.attempts, message.last_error) == (
        SmsState.FAILED, 1, "mobizon code 1: wrong recipient")
    assert len(scripted.handed) == 1


class WorkerDied(BaseException):
    """What the worker's process sees of a kill: nothing after this point runs."""


def test_a_worker_that_dies_mid_send_never_sends_twice(app, make_application, store, at, gateway):
    first, second = _queue(app, make_application()), _queue(app, make_application())
    dying = gateway(WorkerDied())
    with app.app_context(), pytest.raises(WorkerDied):
        run_job(BY_NAME["sms_delivery"])
    assert dying.handed == [first]
    assert _message(store, first).state == SmsState.SENDING and _message(store, second).state == SmsState.QUEUED
    healthy = gateway()
    at.advance(minutes=14)
    _deliver(app)
    assert healthy.handed == [second]  # the one not reached goes out; the one in flight is left alone
    assert _message(store, first).state == SmsState.SENDING
    at.advance(minutes=1)  # 15 minutes after the claim
    assert "1 lost by a stopped worker" in str(_deliver(app))
    message = _message(store, first)
    assert (message.state, message.last_error, message.attempts) == (SmsState.FAILED, STALE_ERROR, 1)
    at.advance(hours=2)
    _deliver(app)
    assert healthy.handed == [second]


def _worker_env(app, fake) -> dict:
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], FLASK_APP="app.py",
               PLAN_STORAGE=app.config["PLAN_STORAGE"], SMS_GATEWAY="mobizon", SMS_API_URL=fake.url,
               SMS_API_KEY=API_KEY, SMS_TIMEOUT="5")
    env.pop("BASTAU_ENV", None)
    return env


def _many(app, make_application, store, count: int) -> list[int]:
    """`count` messages to as many phones, due now (by the real clock the worker processes read)."""
    ids = []
    for n in range(count):
        ids.append(_queue(app, _person(make_application, store, phone=f"+7701{n:07d}")))
    store.execute(sa.update(SmsMessage).values(not_before=datetime(2026, 1, 1)))
    return ids


def test_two_workers_at_the_same_time_send_each_message_exactly_once(app, make_application, store):
    fake, server = start_fake_mobizon()
    try:
        ids = _many(app, make_application, store, 60)
        workers = [subprocess.Popen([sys.executable, "-m", "flask", "jobs", "run-due", "--all"], cwd=ROOT,
                                    env=_worker_env(app, fake), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True) for _ in range(2)]
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    finally:
        server.shutdown()
        server.server_close()
    assert all(worker.returncode == 0 for worker in workers), outputs
    recipients = [call.form["recipient"][0] for call in fake.sent()]
    assert len(recipients) == len(set(recipients)) == len(ids), outputs
    messages = store.scalars(sa.select(SmsMessage))
    assert {(m.attempts, m.gateway) for m in messages} == {(1, "mobizon")}
    assert {m.state for m in messages} <= {SmsState.SENT, SmsState.DELIVERED}
    assert len({m.gateway_id for m in messages}) == len(ids)


def test_kill_9_mid_send_loses_nothing_else_and_sends_nothing_twice(app, make_application, store, monkeypatch):
    fake, server = start_fake_mobizon()
    arrived, release = threading.Event(), threading.Event()

    def hold_the_third(call):
        if call.path.endswith("/SendSmsMessage") and len(fake.sent()) == 3:
            arrived.set()
            release.wait(30)
        return fake.default_answer(call)
    fake.answer = hold_the_third
    try:
        ids = _many(app, make_application, store, 6)
        worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "run-due", "--all"], cwd=ROOT,
                                  env=_worker_env(app, fake), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert arrived.wait(60), "the worker never reached the third message"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
        release.set()
        states = [_message(store, i).state for i in ids]
        assert states == [SmsState.SENT] * 2 + [SmsState.SENDING] + [SmsState.QUEUED] * 3
        fake.answer = None
        monkeypatch.setitem(app.config, "SMS_GATEWAY", "mobizon")
        monkeypatch.setitem(app.config, "SMS_API_URL", fake.url)
        monkeypatch.setitem(app.config, "SMS_API_KEY", API_KEY)
        assert str(_deliver(app)).startswith("3 sent")  # the rest go out; the third is not sent again
        monkeypatch.setattr(clock, "now", lambda: datetime.now(ALMATY) + timedelta(minutes=16))
        assert "1 lost by a stopped worker" in str(_deliver(app))
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    recipients = [call.form["recipient"][0] for call in fake.sent()]
    assert len(recipients) == len(set(recipients)) == 6
    third = _message(store, ids[2])
    assert (third.state, third.last_error) == (SmsState.FAILED, STALE_ERROR)


def test_delivery_reports_are_polled_from_the_http_gateway(app, make_application, store, monkeypatch, at):
    fake, server = start_fake_mobizon()
    reports = {}
    fake.answer = lambda call: (fake.default_answer(call) if call.path.endswith("/SendSmsMessage") else (
        200, {"code": 0, "message": "", "data": [{"id": g, "status": reports.get(g, "ACCEPTD")}
                                                   for g in call.form["ids[]"]]}))
    for name, value in {"SMS_GATEWAY": "mobizon", "SMS_API_URL": fake.url, "SMS_API_KEY": API_KEY}.items():
        monkeypatch.setitem(app.config, name, value)
    try:
        delivered, undelivered, pending = (_queue(app, make_application()) for _ in range(3))
        _deliver(app)
        gateway_ids = {i: _message(store, i).gateway_id for i in (delivered, undelivered, pending)}
        reports.update({gateway_ids[delivered]: "DELIVRD", gateway_ids[undelivered]: "UNDELIV"})
        at.advance(minutes=10)
        with app.app_context():
            result = run_job(BY_NAME["sms_status"])
    finally:
        server.shutdown()
        server.server_close()
    assert str(result) == "1 delivered, 1 undelivered, 1 pending"
    assert _message(store, delivered).state == SmsState.DELIVERED
    assert _message(store, delivered).delivered_at == utc(at.moment)
    assert _message(store, undelivered).state == SmsState.FAILED
    assert _message(store, pending).state == SmsState.SENT


def test_the_development_back_end_has_nothing_to_poll(app, make_application, at):
    _queue(app, make_application())
    _deliver(app)
    with app.app_context():
        assert str(run_job(BY_NAME["sms_status"])) == "0 delivered, 0 undelivered, 0 pending"


# ---- what staff see ----

def test_sent_messages_show_the_area_masked_and_in_the_staff_language(app, make_application, make_user, store,
                                                                      at):
    own, other = make_application(), make_application("615200000")
    own_id, other_id = _queue(app, own), _queue(app, other)
    code_id = _queue(app, own, "access_code", urgent=True)
    _deliver(app)
    for role, sees_other in ((Role.CHAMBER_STAFF, False), (Role.CENTRE_OFFICER, False),
                             (Role.NATIONAL_ADMIN, True)):
        for locale in ("kk", "ru"):
            client = app.test_client()
            client.set_cookie("lang", locale)
            login(client, make_user(role, username=f"{role.value}-{locale}"))
            page = page_text(client.get("/staff/sms/"))
            assert translated("Sent messages", locale) in page
            assert translated("delivered", locale) in page
            assert f'id="sms-{own_id}"' in page and (f'id="sms-{other_id}"' in page) == sees_other
            assert "+7 701 *** ** 67" in page and "+77011234567" not in page and "701 123 45 67" not in page
            assert f'href="/staff/applications/{own}"' in page
            assert "1234 5678" not in page and "•••• ••••" in page  # the code is the person's own
            assert "02.12.2026 12:00" in page  # Almaty time
    client = app.test_client()
    login(client, make_user(Role.NATIONAL_ADMIN, username="admin-filter"))
    assert f'id="sms-{code_id}"' not in page_text(client.get("/staff/sms/?state=queued"))
    assert f'id="sms-{code_id}"' in page_text(client.get("/staff/sms/?state=delivered&page=9"))
    assert client.get("/staff/sms/?state=nonsense").status_code == 200


def test_the_desk_links_the_page_for_those_who_may_see_it(app, make_user):
    for role, linked in ((Role.CHAMBER_STAFF, True), (Role.CENTRE_OFFICER, True), (Role.NATIONAL_ADMIN, True),
                         (Role.COMMISSION, False), (Role.REGIONAL_ADMIN, False)):
        client = app.test_client()
        login(client, make_user(role))
        assert ('href="/staff/sms/"' in page_text(client.get("/staff/"))) == linked, role


def test_the_application_page_lists_the_persons_sms(app, make_application, make_user, store, at):
    person = make_application()
    first = _queue(app, person)
    _queue(app, person, "access_code", urgent=True)
    _deliver(app)
    with app.app_context():
        assert [m.kind for m in messages_of(person)] == ["access_code", "receipt"]
    client = app.test_client()
    client.set_cookie("lang", "ru")
    login(client, make_user(Role.CHAMBER_STAFF))
    page = page_text(client.get(f"/staff/applications/{person}"))
    assert 'id="sms-messages"' in page and f'id="sms-{first}"' in page
    assert "bastau.kz/status" in page and "1234 5678" not in page
    assert translated("SMS to the applicant", "ru") in page and translated("delivered", "ru") in page
