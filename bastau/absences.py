"""The absence rule, once: who is flagged for the commission, since when, and what a "keep" covers.

More than 3 days absent without a valid reason flags a participant in training (rules.awaits_commission).
A commission decision to keep them covers the unexcused days counted when it was made; the flag returns only
when more follow. The trainer's register, the commission's list, the decision itself and the calendar's jobs
all read it from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from . import rules
from .extensions import db
from .models import Application, Attendance, ExpulsionReview, Mark, Status, TrainingDay


@dataclass
class Tally:
    """A participant's attendance so far, and how many unexcused days a "keep" decision already covered."""
    present: int = 0
    unexcused: int = 0
    excused: int = 0
    kept_at: int = 0

    @property
    def over_limit(self) -> bool:
        return rules.awaits_commission(self.unexcused, self.kept_at)


def tallies(application_ids) -> dict[int, Tally]:
    """Attendance counts of many participants (a list of ids or a query of ids) in two queries."""
    ids = application_ids if isinstance(application_ids, sa.Select) else list(application_ids)
    result: dict[int, Tally] = {} if isinstance(ids, sa.Select) else {i: Tally() for i in ids}
    if not isinstance(ids, sa.Select) and not ids:
        return result
    field = {Mark.PRESENT: "present", Mark.ABSENT: "unexcused", Mark.EXCUSED: "excused"}
    for application_id, mark, count in db.session.execute(
            sa.select(Attendance.application_id, Attendance.mark, sa.func.count())
            .where(Attendance.application_id.in_(ids))
            .group_by(Attendance.application_id, Attendance.mark)):
        setattr(result.setdefault(application_id, Tally()), field[mark], count)
    for application_id, kept_at in db.session.execute(
            sa.select(ExpulsionReview.application_id, sa.func.max(ExpulsionReview.unexcused_days))
            .where(ExpulsionReview.application_id.in_(ids), ExpulsionReview.expel.is_(False))
            .group_by(ExpulsionReview.application_id)):
        result.setdefault(application_id, Tally()).kept_at = kept_at
    return result


def is_flagged(application: Application, tally: Tally) -> bool:
    """Flagged for the commission: in training, and over the absence limit since the last "keep"."""
    return application.status == Status.IN_TRAINING and tally.over_limit


def over_limit_query() -> sa.Select:
    """Ids of participants in training with more unexcused days than the rule allows (before "keeps": a cheap
    first cut in SQL; `flagged_among` applies the whole rule)."""
    absent = (sa.select(Attendance.application_id).where(Attendance.mark == Mark.ABSENT)
              .group_by(Attendance.application_id).having(sa.func.count() > rules.MAX_UNEXCUSED_DAYS))
    return sa.select(Application.id).where(Application.status == Status.IN_TRAINING, Application.id.in_(absent))


def flagged_among(query: sa.Select) -> dict[int, Tally]:
    """Of the participants `query` selects (Application ids), those flagged now, with their tallies."""
    ids = list(db.session.scalars(query.where(Application.id.in_(over_limit_query()))))
    return {i: t for i, t in tallies(ids).items() if t.over_limit}


def awaiting_commission(application_ids: list[int]) -> set[int]:
    """Those of the ids whom the rule flags and no decision of the commission covers yet."""
    if not application_ids:
        return set()
    return set(flagged_among(sa.select(Application.id).where(Application.id.in_(application_ids))))


def flagged_on(application_id: int, tally: Tally) -> date | None:
    """The day the present flag began: the date of the unexcused absence that first went over both the
    limit and what the last "keep" covered."""
    nth = max(rules.MAX_UNEXCUSED_DAYS, tally.kept_at) + 1
    return db.session.scalar(
        sa.select(TrainingDay.date).join(Attendance, Attendance.training_day_id == TrainingDay.id)
        .where(Attendance.application_id == application_id, Attendance.mark == Mark.ABSENT)
        .order_by(TrainingDay.date).offset(nth - 1).limit(1))
