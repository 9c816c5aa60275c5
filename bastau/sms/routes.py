"""The staff page "Sent messages": every SMS of the staff member's area, newest first, with its delivery state.
Under the development back end (SMS_GATEWAY=dev, `make run`) this is where the messages are read."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from .. import rules
from ..access import in_area
from ..extensions import db
from ..models import Application, Role, SmsMessage, SmsState
from ..web import render_page, role_required
from .outbox import CAP_ERROR, STALE_ERROR, UNDELIVERED_ERROR, WITHDRAWN_ERROR, messages_of, shown_text

bp = Blueprint("sms", __name__, url_prefix="/staff/sms")
PER_PAGE = 50
VIEWERS = (Role.NATIONAL_ADMIN, Role.CHAMBER_STAFF, Role.CENTRE_OFFICER)

STATE_LABELS = {
    SmsState.QUEUED: _l("waiting to be sent"),
    SmsState.SENDING: _l("being sent"),
    SmsState.SENT: _l("sent"),
    SmsState.DELIVERED: _l("delivered"),
    SmsState.FAILED: _l("not delivered"),
    SmsState.CANCELLED: _l("not sent"),
}

# Why a message was not sent or delivered, when the outbox knows it in words (a gateway's own answer is shown as is).
ERROR_LABELS = {
    STALE_ERROR: _l("Unknown whether it was sent: the worker stopped while sending. It is not sent again."),
    CAP_ERROR: _l("Not sent: the day's limit of SMS to this phone was reached."),
    UNDELIVERED_ERROR: _l("The gateway reported that it did not reach the phone."),
    WITHDRAWN_ERROR: _l("Not sent: the mark it warned about was corrected before it went."),
}

KIND_LABELS = {
    "receipt": _l("Application received"),
    "access_code": _l("New access code"),
    "target_group_confirmed": _l("Target group confirmed"),
    "not_target_group": _l("Not in the target group"),
    "test_opened": _l("Test opened"),
    "test_passed": _l("Test passed"),
    "test_failed": _l("Test not passed"),
    "enrolled": _l("Enrolled in a cohort"),
    "training_tomorrow": _l("Training starts tomorrow"),
    "absence_warning": _l("Absence warning"),
    "expelled": _l("Expelled by the commission"),
    "kept": _l("Kept in training by the commission"),
    "defence_set": _l("Defence date"),
    "defended": _l("Business plan defended"),
    "not_defended": _l("Business plan not defended"),
    "certificate": _l("Certificate issued"),
    "referred": lazy_pgettext("sms", "Referred for a loan"),  # the message's topic, not a status
    "loan_approved": _l("Loan approved"),
    "loan_declined": _l("Loan declined"),
    "follow_up_due": _l("Business follow-up"),
    "withdrawn": _l("Application withdrawn"),
}


@bp.app_template_filter("sms_time")
def sms_time(value) -> str:
    """A stored (UTC) time as Almaty time in the page's language."""
    return format_datetime(value, "dd.MM.yyyy HH:mm") if value else ""


@bp.app_template_global("sms_of")
def sms_of(application_id: int) -> dict:
    """What templates/sms/_for_person.html shows: one application's messages and the words for them."""
    return {"messages": messages_of(application_id), "states": STATE_LABELS, "kinds": KIND_LABELS,
            "errors": ERROR_LABELS, "text": shown_text}


def _state(raw: str | None) -> SmsState | None:
    try:
        return SmsState(raw) if raw else None
    except ValueError:
        return None


@bp.get("/")
@role_required(*VIEWERS)
def messages():
    """National administrators see every message; chamber staff and employment-centre officers their district's."""
    state = _state(request.args.get("state"))
    query = in_area(sa.select(SmsMessage).outerjoin(Application, SmsMessage.application_id == Application.id),
                    current_user, Application.district_id)
    if state:
        query = query.where(SmsMessage.state == state)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    found = db.session.scalars(query.options(contains_eager(SmsMessage.application)).order_by(SmsMessage.id.desc())
                               .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return render_page("sms/messages.html", messages=found, state=state, states=STATE_LABELS, kinds=KIND_LABELS,
                       errors=ERROR_LABELS, text=shown_text, masked=rules.mask_mobile, total=total, page=page,
                       pages=pages, args={"state": state.value} if state else {})
