"""The SMS outbox: `queue` writes a message in the caller's transaction; two periodic jobs hand the messages to the
gateway (`deliver_due`) and ask it which ones reached the phone (`poll_deliveries`).

A message's life: QUEUED (perhaps until 09:00: quiet hours) → SENDING → SENT → DELIVERED, or FAILED for good, or
CANCELLED at once (over the phone's daily cap). The rules' numbers are in bastau/rules.py.

No second send, even when a worker dies mid-send. The job engine runs a job in one transaction (run_job), but a
message must be marked SENDING *and committed* before it is handed over, or a worker killed after the hand-over
would leave it QUEUED and the next run would send it again. So `deliver_due` works in steps:
1. in run_job's own transaction: give up on messages left SENDING for 15 minutes (a worker died while handing
   them over; they may have gone out: FAILED, never resent); if anything is due, commit;
2. for each due message, up to SMS_BATCH: claim it in a short transaction of its own (`writing()`: SENDING, one
   more attempt, committed), hand it over outside any transaction (no write lock held while the gateway answers,
   which may take seconds), then record the answer in another short transaction, only if the message is still
   the one claimed (same attempt);
3. open a writing transaction again for run_job to record the run in.
A worker killed in step 2 leaves at most the one message it was handing over SENDING: the messages after it are
still QUEUED and go out on the next run; that one becomes FAILED with "unknown: the worker stopped while sending"
(staff see it on "Sent messages"). Two workers never claim the same message: a claim is an update of a QUEUED row
under the write lock (SQLite's BEGIN IMMEDIATE; on PostgreSQL FOR UPDATE SKIP LOCKED), committed before the send.
"""
from __future__ import annotations

import logging
import re
import time as monotonic_time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from .. import clock, rules
from ..clock import kz_midnight_utc
from ..database import begin_write, writing
from ..extensions import db
from ..models import Application, SmsMessage, SmsState
from .gateway import Gateway, PermanentFailure, SendResult, TemporaryFailure, gateway_for
from .texts import TEXTS

log = logging.getLogger("bastau.sms")

# The person has just asked for it (a new access code; the consent code at an operator's desk): sent even after
# they stopped SMS, and while an assisted application waits for their consent.
ALWAYS_SENT = frozenset({"access_code", "consent_code"})
SECRET_KINDS = frozenset({"access_code", "consent_code"})  # staff pages show these with the code hidden
STALE_ERROR = "unknown: the worker stopped while sending"
CAP_ERROR = "not sent: the daily limit of SMS to this phone was reached"
UNDELIVERED_ERROR = "the gateway reported it undelivered"
WITHDRAWN_ERROR = "not sent: the event it announced was corrected before it went"
SEND_WINDOW = timedelta(minutes=5)  # one run claims no more after this (the job is locked while it runs)
POLL_DAYS = 3  # a report that has not come in three days will not come: the message stays "sent"
POLL_CHUNK = 100  # ids per GetMessageStatus request
POLL_LIMIT = 500  # messages asked about per run


def _utc(moment: datetime) -> datetime:
    """A Kazakhstan moment as the naive UTC time the database keeps."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _now() -> datetime:
    return _utc(clock.now())


# ---- Writing a message ----

def queue(application: Application, kind: str, *, key: str, urgent: bool = False, hold: timedelta | None = None,
          new_application: bool = False, **values) -> SmsMessage | None:
    """Put the SMS `kind` (bastau/sms/texts.py) to the application's phone in the outbox, in the person's language,
    within the caller's transaction (not committed here: it is sent only if the caller's change is kept).

    `key` names the event: a second call with the same key returns the first message and writes nothing. Nothing
    is written for a person who stopped SMS (None), except a code they just asked for. Outside urgent messages,
    what is written in quiet hours waits until 09:00; `hold` delays it further (time to withdraw it). Over the phone's daily cap the message is written CANCELLED,
    with the reason, so that staff see it.

    `new_application`: the application was created in the caller's transaction, so no message can have a key of
    its yet and no other transaction can write one (they cannot see the row): the look-up by key and the savepoint
    are skipped (3 of a submission's statements)."""
    existing = None if new_application else _by_key(key)
    if existing is not None and existing.last_error != WITHDRAWN_ERROR:
        return existing
    if not application.sms_opt_in and kind not in ALWAYS_SENT:
        return None
    with force_locale(application.language):
        text = str(TEXTS[kind]) % {name: str(value) for name, value in values.items()}
    if application.id is None:
        db.session.flush()
    local = clock.now().astimezone(clock.KZ)
    now = _utc(local)
    not_before = now if urgent else _utc(rules.sms_may_go_at(local + (hold or timedelta())))
    if existing is not None:  # withdrawn earlier, and the event happened again: the same message goes after all
        existing.state, existing.last_error, existing.text, existing.not_before = SmsState.QUEUED, None, text, not_before
        return existing
    message = SmsMessage(key=key, application_id=application.id, phone=application.phone,
                         language=application.language, kind=kind, text=text, state=SmsState.QUEUED, attempts=0,
                         created_at=now, not_before=not_before)
    cap = current_app.config.get("SMS_DAILY_CAP", rules.SMS_DAILY_CAP)
    if rules.over_daily_cap(_count_today(application.phone, local.date()), cap):
        message.state = SmsState.CANCELLED
        message.last_error = CAP_ERROR
    if new_application:
        db.session.add(message)
        return message
    db.session.flush()  # the caller's own changes: an error in them is theirs, not a duplicate key
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # the same event, written a moment ago by a transaction running alongside (PostgreSQL)
        return _by_key(key)
    return message


def withdraw(keys: list[str]) -> int:
    """Cancel the messages of these events that are still waiting in the outbox (the event was corrected), within
    the caller's transaction. A message already claimed for sending is past recall and stays."""
    if not keys:
        return 0
    result = db.session.execute(
        sa.update(SmsMessage).where(SmsMessage.key.in_(keys), SmsMessage.state == SmsState.QUEUED)
        .values(state=SmsState.CANCELLED, last_error=WITHDRAWN_ERROR))
    return result.rowcount


def _by_key(key: str) -> SmsMessage | None:
    return db.session.scalar(sa.select(SmsMessage).where(SmsMessage.key == key))


def _count_today(phone: str, day: date) -> int:
    """SMS written for this phone on this Almaty day, urgent ones too; those not sent (cancelled) do not count."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
        SmsMessage.phone == phone, SmsMessage.state != SmsState.CANCELLED,
        SmsMessage.created_at >= kz_midnight_utc(day), SmsMessage.created_at < kz_midnight_utc(day + timedelta(1))))


# ---- Handing messages to the gateway: the `sms_delivery` job ----

@dataclass
class Deliveries:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    lost: int = 0  # left SENDING by a worker that stopped

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"
        if self.lost:
            text += f", {self.lost} lost by a stopped worker"
        return text


@dataclass(frozen=True)
class Claimed:
    """A message taken for sending, as the gateway needs it; `attempts` tells this claim from a later one."""
    id: int
    phone: str
    text: str
    kind: str
    attempts: int


def deliver_due(today: date | None = None) -> Deliveries:
    """Hand the messages that are due to the gateway, each claimed and committed before it is handed over (see
    the module's docstring)."""
    done = Deliveries(lost=_give_up_on_stale(_now()))
    if not _any_due(_now()):
        return done  # run_job commits the give-ups with the run
    db.session.commit()  # the give-ups and the run's start; each message has transactions of its own below
    gateway = gateway_for(current_app.config)
    started = monotonic_time.monotonic()
    for _ in range(int(current_app.config.get("SMS_BATCH", 200))):
        if monotonic_time.monotonic() - started > SEND_WINDOW.total_seconds():
            break  # a slow gateway: the rest waits for the next run
        with writing():
            message = _claim(_now())
        if message is None:
            break
        outcome = _hand_over(gateway, message)
        with writing():
            _record(gateway, message, outcome, done)
    begin_write()  # for run_job's record of the run
    return done


def _give_up_on_stale(now: datetime) -> int:
    """Messages SENDING for longer than SMS_SENDING_GIVE_UP_MINUTES (for a SENDING message, not_before is when
    it was claimed): the worker stopped; whether the gateway got it is unknown, so it is never sent again."""
    result = db.session.execute(
        sa.update(SmsMessage)
        .where(SmsMessage.state == SmsState.SENDING,
               SmsMessage.not_before <= now - timedelta(minutes=rules.SMS_SENDING_GIVE_UP_MINUTES))
        .values(state=SmsState.FAILED, last_error=STALE_ERROR).execution_options(synchronize_session=False))
    if result.rowcount:
        log.warning("sms: %d message(s) left sending by a stopped worker marked failed", result.rowcount)
    return result.rowcount


def _due(now: datetime) -> sa.Select:
    return (sa.select(SmsMessage.id, SmsMessage.phone, SmsMessage.text, SmsMessage.kind, SmsMessage.attempts)
            .where(SmsMessage.state == SmsState.QUEUED, SmsMessage.not_before <= now)
            .order_by(SmsMessage.not_before, SmsMessage.id).limit(1))


def _any_due(now: datetime) -> bool:
    return db.session.execute(_due(now)).first() is not None


def _claim(now: datetime) -> Claimed | None:
    """The next due message, marked SENDING on its next attempt (for a SENDING message, not_before is when it
    was claimed)."""
    row = db.session.execute(_due(now).with_for_update(skip_locked=True)).first()
    if row is None:
        return None
    db.session.execute(
        sa.update(SmsMessage).where(SmsMessage.id == row.id)
        .values(state=SmsState.SENDING, attempts=SmsMessage.attempts + 1, not_before=now)
        .execution_options(synchronize_session=False))
    return Claimed(row.id, row.phone, row.text, row.kind, row.attempts + 1)


def _hand_over(gateway: Gateway, message: Claimed):
    try:
        return gateway.send(message)
    except (TemporaryFailure, PermanentFailure) as failure:
        return failure
    except Exception as error:  # a bug, or an answer nobody expected: it may have gone out, so never again
        log.exception("sms %s: unexpected error from the %s gateway", message.id, gateway.name)
        return PermanentFailure(f"unknown: {type(error).__name__} while sending")


def _mine(message: Claimed) -> SmsMessage | None:
    """The message row, if it is still this claim: SENDING (or given up on as stale in the meantime) and on the
    same attempt."""
    row = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.id == message.id).with_for_update())
    if row is None or row.attempts != message.attempts:
        return None
    if row.state == SmsState.SENDING or (row.state == SmsState.FAILED and row.last_error == STALE_ERROR):
        return row
    return None


def _record(gateway: Gateway, message: Claimed, outcome, done: Deliveries) -> None:
    row = _mine(message)
    if row is None:
        return
    now = _now()
    if isinstance(outcome, SendResult):
        row.state = SmsState.DELIVERED if outcome.delivered else SmsState.SENT
        row.gateway, row.gateway_id, row.sent_at, row.last_error = gateway.name, outcome.gateway_id[:64], now, None
        row.delivered_at = now if outcome.delivered else None
        done.sent += 1
        return
    row.gateway = gateway.name
    delay = rules.sms_retry_delay(row.attempts) if isinstance(outcome, TemporaryFailure) else None
    if delay is not None:
        retry_at = now + delay
        if row.kind not in ALWAYS_SENT:  # a retry keeps the quiet hours too (a code asked for does not wait)
            retry_at = _utc(rules.sms_may_go_at(retry_at.replace(tzinfo=timezone.utc).astimezone(clock.KZ)))
        row.state, row.not_before = SmsState.QUEUED, retry_at
        row.last_error = f"{outcome} (try {row.attempts} of {rules.SMS_MAX_ATTEMPTS})"[:300]
        done.retrying += 1
        return
    row.state = SmsState.FAILED
    suffix = f" (gave up after {row.attempts} tries)" if isinstance(outcome, TemporaryFailure) else ""
    row.last_error = f"{outcome}{suffix}"[:300]
    done.failed += 1
    log.warning("sms %s failed: %s", row.id, row.last_error)


# ---- Delivery reports: the `sms_status` job ----

@dataclass
class Reports:
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    unanswered: int = 0

    def __str__(self) -> str:
        text = f"{self.delivered} delivered, {self.failed} undelivered, {self.pending} pending"
        return text + (f", {self.unanswered} not answered" if self.unanswered else "")


def poll_deliveries(today: date | None = None) -> Reports:
    """Ask the HTTP gateway what became of the messages it took in the last POLL_DAYS days (the development
    back end has nothing to ask: its messages are delivered at once). Like `deliver_due`, the gateway is asked
    outside any transaction."""
    reports = Reports()
    gateway = gateway_for(current_app.config)
    if not gateway.polls:
        return reports
    rows = db.session.execute(
        sa.select(SmsMessage.id, SmsMessage.gateway_id)
        .where(SmsMessage.state == SmsState.SENT, SmsMessage.gateway == gateway.name,
               SmsMessage.sent_at >= _now() - timedelta(days=POLL_DAYS), SmsMessage.gateway_id.is_not(None))
        .order_by(SmsMessage.sent_at.desc()).limit(POLL_LIMIT)).all()
    if not rows:
        return reports
    db.session.commit()  # no write lock held while the gateway answers
    answers: dict[str, str] = {}
    ask_many = getattr(gateway, "statuses", None)
    for start in range(0, len(rows), POLL_CHUNK):
        chunk = [row.gateway_id for row in rows[start:start + POLL_CHUNK]]
        try:
            answers |= ask_many(chunk) if ask_many else {gid: gateway.status(gid) for gid in chunk}
        except (TemporaryFailure, PermanentFailure) as failure:
            log.warning("sms: delivery reports not available: %s", failure)
            reports.unanswered += len(chunk)
    with writing():
        now = _now()
        for row in rows:
            status = answers.get(row.gateway_id)
            if status not in ("delivered", "failed"):
                reports.pending += status == "pending"
                continue
            message = db.session.get(SmsMessage, row.id, with_for_update=True)
            if message is None or message.state != SmsState.SENT:
                continue
            if status == "delivered":
                message.state, message.delivered_at = SmsState.DELIVERED, now
                reports.delivered += 1
            else:
                message.state, message.last_error = SmsState.FAILED, UNDELIVERED_ERROR
                reports.failed += 1
    begin_write()  # for run_job's record of the run
    return reports


# ---- What staff see ----

def messages_of(application_id: int) -> list[SmsMessage]:
    """Every SMS to one application's phone, newest first (for the staff page of the application; the caller has
    checked that the person is in the staff member's area)."""
    return db.session.scalars(sa.select(SmsMessage).where(SmsMessage.application_id == application_id)
                              .order_by(SmsMessage.id.desc())).all()


_CODE = re.compile(r"\d{4} ?\d{4}")
_CONSENT_CODE = re.compile(r"\b\d{3} \d{3}\b")


def shown_text(message: SmsMessage) -> str:
    """The text as staff may read it: an access code is the person's own key to their status page."""
    if message.kind == "consent_code":  # "123 456": else the operator could confirm the consent themself
        return _CONSENT_CODE.sub("••• •••", message.text)
    if message.kind in SECRET_KINDS:
        return _CODE.sub("•••• ••••", message.text)
    return message.text
