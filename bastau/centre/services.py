"""Employment-centre decisions: is each applicant in the target group (unemployed or self-employed)?"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from .. import rules
from ..access import applications_for
from ..database import writing
from ..extensions import db
from ..lifecycle import NOT_TARGET_GROUP_REASONS, may_move, move_to
from ..models import Application, Status, User


@dataclass
class Outcome:
    """What a bulk decision did: who moved, and who was left as they were (their status had changed)."""
    moved: list[Application] = field(default_factory=list)
    skipped: list[Application] = field(default_factory=list)
    waiting_consent: list[Application] = field(default_factory=list)  # the citizen has not consented yet


def decide_target_group(actor: User, application_ids: list[int], confirm: bool,
                        reason: str | None = None, note: str | None = None) -> Outcome:
    """Confirm or reject target-group membership for many applications in one transaction.

    Only applications of the officer's own district are touched (the query itself is scoped);
    a rejection needs a reason from the list.
    """
    if not confirm and reason not in NOT_TARGET_GROUP_REASONS:
        raise ValueError("a rejection needs a reason from the list")
    target = Status.TARGET_GROUP_CONFIRMED if confirm else Status.NOT_TARGET_GROUP
    with writing():
        found = db.session.scalars(applications_for(actor).where(Application.id.in_(application_ids))).all()
        outcome = Outcome()
        for application in found:
            if not rules.may_decide_target_group(application.consent_pending):
                outcome.waiting_consent.append(application)
            elif application.status == Status.SUBMITTED and may_move(application.status, target):
                move_to(application, target, by=actor, reason=None if confirm else reason,
                        typed=None if confirm else note)
                outcome.moved.append(application)
            else:
                outcome.skipped.append(application)
    return outcome


def queue_counts(actor: User) -> dict[Status, int]:
    """How many applications of the officer's district are in each status (for the filter tabs)."""
    query = applications_for(actor).with_only_columns(Application.status, sa.func.count()).group_by(Application.status)
    return dict(db.session.execute(query).all())
