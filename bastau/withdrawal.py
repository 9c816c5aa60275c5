"""Withdrawal: the person leaves the programme before their training is completed.

The applicant does it from their status page (after a confirm step); staff record it for a person who asked them,
with the reason the person gave. Either way it is one move of the life cycle, through its one door. The place in a
cohort is freed (a withdrawn participant no longer holds one) and the same IIN may apply again that year (the
"one active application" rule counts no withdrawn application).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from .access import applications_for
from .database import writing
from .extensions import db
from .lifecycle import WITHDRAWABLE, WITHDRAWAL_REASONS, Actor, move_to
from .models import Application, Status, User
from .refusals import NotFound

REASON_LABELS = {
    "found_work": _l("Found a job"),
    "moved_away": _l("Moved to another place"),
    "family": _l("Family circumstances"),
    "health": _l("Health"),
    "changed_mind": _l("Changed my mind about the programme"),
    "other": _l("Another reason"),
    # Not offered on the form: the move made when the person withdraws their consent (bastau/personal_data.py).
    "consent_withdrawn": _l("Withdrew the consent to the processing of personal data"),
}


class WithdrawForm(FlaskForm):
    reason = RadioField(_l("Why do you withdraw?"), choices=[(code, REASON_LABELS[code]) for code in WITHDRAWAL_REASONS],
                        validators=[InputRequired(message=_l("Choose one of the answers."))])
    note = TextAreaField(_l("Anything to add (not required)"), validators=[Length(max=300)],
                         render_kw={"rows": 2, "maxlength": 300})


class StaffWithdrawForm(WithdrawForm):
    reason = RadioField(_l("Reason the person gave"),
                        choices=[(code, REASON_LABELS[code]) for code in WITHDRAWAL_REASONS],
                        validators=[InputRequired(message=_l("Choose one of the answers."))])


def can_withdraw(application: Application) -> bool:
    return application.status in WITHDRAWABLE


def withdraw(application_id: int, *, by: Actor, reason: str, note: str | None = None) -> Application:
    """Withdraw one application: the applicant's own (by=APPLICANT) or one of the staff member's area."""
    if reason not in WITHDRAWAL_REASONS:
        raise ValueError("a withdrawal needs a reason from the list")
    with writing():
        query = applications_for(by) if isinstance(by, User) else sa.select(Application)
        application = db.session.scalar(query.where(Application.id == application_id)
                                        .with_for_update(of=Application))
        if application is None:
            raise NotFound(application_id)
        move_to(application, Status.WITHDRAWN, by=by, reason=reason, typed=(note or "").strip()[:300] or None)
    return application
