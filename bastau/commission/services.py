"""The commission's decisions about participants whom the absence rule flags.

The rule (DESIGN.md): more than 3 days absent without a valid reason flags a participant for the
commission (bastau/absences.py); nobody is expelled automatically. The commission expels (status `expelled`)
or keeps the participant; a "keep" covers the unexcused days counted so far, so the flag returns only when
more follow.

Every query is scoped to the user's area (the commission and chamber staff: their district). The decision
runs in one `with writing():` block; a refused one raises Refused and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit
from ..sms import events as sms
from ..absences import flagged_among, is_flagged, tallies
from ..access import applications_for
from ..clock import today
from ..database import alphabetically, writing
from ..extensions import db
from ..lifecycle import may_move, move_to
from ..models import (
    Application,
    Attendance,
    Cohort,
    ExpulsionReview,
    Mark,
    Status,
    TrainingDay,
    User,
)
from ..refusals import NotFound, Refused

# Codes stored in ExpulsionReview.reason; the words are in labels.py.
EXPULSION_REASONS = ("unexcused_absences", "stopped_attending", "other")
KEEP_REASONS = ("valid_reasons_later", "catching_up", "last_warning", "other")

EXPELLED = "expelled"
KEPT = "kept_in_training"

NOT_FLAGGED = _l("There is nothing to decide: this participant is not flagged for too many absences "
                 "(perhaps the commission has decided already).")
NOT_IN_TRAINING = _l("Only a participant who is in training can be expelled.")


# ---- Reading: who is flagged, and what the commission needs to decide ----

@dataclass
class Flagged:
    application: Application
    unexcused: int


def flagged_for(user: User) -> list[Flagged]:
    """Participants of the user's area whom the absence rule flags, most unexcused days first."""
    found = flagged_among(applications_for(user).with_only_columns(Application.id))
    people = db.session.scalars(sa.select(Application).where(Application.id.in_(list(found) or [-1]))
                                .options(sa.orm.selectinload(Application.cohort).selectinload(Cohort.trainer))
                                .order_by(alphabetically(Application.surname), Application.id)).all()
    return sorted((Flagged(p, found[p.id].unexcused) for p in people), key=lambda f: -f.unexcused)


def unexcused_dates(application: Application) -> list[TrainingDay]:
    """The days a participant was absent without a valid reason (for the commission)."""
    return list(db.session.scalars(
        sa.select(TrainingDay).join(Attendance, Attendance.training_day_id == TrainingDay.id)
        .where(Attendance.application_id == application.id, Attendance.mark == Mark.ABSENT)
        .order_by(TrainingDay.date)))


def reviews_of(application: Application) -> list[ExpulsionReview]:
    return list(db.session.scalars(sa.select(ExpulsionReview).where(ExpulsionReview.application_id == application.id)
                                   .order_by(ExpulsionReview.decided_on.desc(), ExpulsionReview.id.desc())))


# ---- Writing: the decision ----

def decide_expulsion(member: User, application_id: int, expel: bool, reason: str, note: str | None,
                     decided_on: date) -> ExpulsionReview:
    """Record the commission's decision about a flagged participant: expel, or keep in training.

    Expel moves the status to `expelled` (only from `in_training`). Keep leaves the status and remembers
    the unexcused days counted now, which the decision covers. Both are kept as an ExpulsionReview.
    """
    if reason not in (EXPULSION_REASONS if expel else KEEP_REASONS):
        raise ValueError("the reason must come from the decision's list")
    if decided_on > today():
        raise ValueError("a decision cannot be dated in the future")
    with writing():
        application = db.session.scalar(applications_for(member).where(Application.id == application_id)
                                        .with_for_update(of=Application))
        if application is None:
            raise NotFound(application_id)
        tally = tallies([application.id])[application.id]
        if not is_flagged(application, tally):
            raise Refused(NOT_FLAGGED)
        note = (note or "").strip()[:300] or None
        if expel:
            if not may_move(application.status, Status.EXPELLED):
                raise Refused(NOT_IN_TRAINING)
            move_to(application, Status.EXPELLED, by=member, reason=reason, typed=note)
        else:
            audit.record(KEPT, member, application, reason=reason, typed=note)
        review = ExpulsionReview(application_id=application.id, expel=expel, reason=reason, note=note,
                                 decided_on=decided_on, unexcused_days=tally.unexcused, decided_by_id=member.id)
        db.session.add(review)
        if not expel:  # an expulsion is told by its status change
            db.session.flush()
            sms.kept(application, review.id)
    return review
