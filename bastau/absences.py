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

    @property
    def at_risk(self) -> bool:
        return rules.one_day_from_review(self.unexcused, self.kept_at)


def tallies(application_ids) -> dict[int, Tally]:
    """Attendance counts of many participants (a list of ids or a query of ids) in one statement: the marks
    counted by kind, and the days the latest "keep" covered, as the two halves of one UNION ALL."""
    ids = application_ids if isinstance(application_ids, sa.Select) else list(application_ids)
    result: dict[int, Tally] = {} if isinstance(ids, sa.Select) else {i: Tally() for i in ids}
    if not isinstance(ids, sa.Select) and not ids:
        return result
    marks = (sa.select(Attendance.application_id, Attendance.mark.label("mark"), sa.func.count().label("days"))
             .where(Attendance.application_id.in_(ids)).group_by(Attendance.application_id, Attendance.mark))
    kept = (sa.select(ExpulsionReview.application_id, sa.null().label("mark"),
                      sa.func.max(ExpulsionReview.unexcused_days).label("days"))
            .where(ExpulsionReview.application_id.in_(ids), ExpulsionReview.expel.is_(False))
            .group_by(ExpulsionReview.application_id))
    field = {Mark.PRESENT.value: "present", Mark.ABSENT.value: "unexcused", Mark.EXCUSED.value: "excused",
             None: "kept_at"}
    for application_id, mark, days in db.session.execute(sa.union_all(marks, kept)):
        setattr(result.setdefault(application_id, Tally()), field[mark], days)
    return result


def is_flagged(application: Application, tally: Tally) -> bool:
    """Flagged for the commission: in training, and over the absence limit since the last "keep"."""
    return application.status == Status.IN_TRAINING and tally.over_limit


def is_at_risk(application: Application, tally: Tally) -> bool:
    """In training and one unexcused day away from the flag (rules.one_day_from_review): worth a call."""
    return application.status == Status.IN_TRAINING and tally.at_risk


def warning_first(application: Application, tally: Tally) -> int:
    """Sort key: flagged participants first, then those at risk, then everyone else (a stable sort keeps the
    alphabetical order within each group)."""
    return 0 if is_flagged(application, tally) else 1 if is_at_risk(application, tally) else 2


def over_limit() -> tuple:
    """The conditions of a participant in training with more unexcused days than the rule allows (before "keeps":
    a cheap first cut in SQL; `flagged_among` applies the whole rule). Counted per participant in training, through
    the index on attendance.application_id, never over the attendance of every year."""
    absent = (sa.select(sa.func.count()).select_from(Attendance)
              .where(Attendance.application_id == Application.id, Attendance.mark == Mark.ABSENT)
              .correlate(Application).scalar_subquery())
    return Application.status == Status.IN_TRAINING, absent > rules.MAX_UNEXCUSED_DAYS


def over_limit_query() -> sa.Select:
    """Ids of the participants `over_limit` finds."""
    return sa.select(Application.id).where(*over_limit())


def flagged_among(query: sa.Select) -> dict[int, Tally]:
    """Of the participants `query` selects (Application ids), those flagged now, with their tallies."""
    # The conditions joined to `query` itself (not `id IN (every participant over the limit)`), so that its own
    # filter (a district, a cohort) picks the rows through its index before anything is counted.
    ids = list(db.session.scalars(query.where(*over_limit())))
    return {i: t for i, t in tallies(ids).items() if t.over_limit}


def awaiting_commission(application_ids: list[int]) -> set[int]:
    """Those of the ids whom the rule flags and no decision of the commission covers yet."""
    if not application_ids:
        return set()
    return set(flagged_among(sa.select(Application.id).where(Application.id.in_(application_ids))))


def flagged_on(application_id: int, tally: Tally) -> date | None:
    """The day the present flag began: the date of the unexcused absence that first went over both the
    limit and what the last "keep" covered."""
    return flag_dates({application_id: tally}).get(application_id)


def flag_dates(flagged: dict[int, Tally]) -> dict[int, date]:
    """`flagged_on` of many participants in one query: each one's absences numbered by date, and the one that
    went over (the limit, or what their last "keep" covered) picked out."""
    if not flagged:
        return {}
    nth = {application_id: max(rules.MAX_UNEXCUSED_DAYS, tally.kept_at) + 1
           for application_id, tally in flagged.items()}
    numbered = (sa.select(Attendance.application_id, TrainingDay.date,
                          sa.func.row_number().over(partition_by=Attendance.application_id,
                                                    order_by=TrainingDay.date).label("nth"))
                .join(TrainingDay, Attendance.training_day_id == TrainingDay.id)
                .where(Attendance.application_id.in_(list(nth)), Attendance.mark == Mark.ABSENT)
                .subquery())
    rows = db.session.execute(sa.select(numbered.c.application_id, numbered.c.date, numbered.c.nth)
                              .where(numbered.c.nth > rules.MAX_UNEXCUSED_DAYS))
    return {application_id: day for application_id, day, number in rows if number == nth[application_id]}
