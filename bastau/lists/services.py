"""Lists of confirmed applicants, sent by the employment centre and reviewed by the chamber.

A sent list is frozen: the centre changes it only by making a new version with the same number,
which copies the chamber's decisions so far; every version stays readable, and two versions can be
compared to see who changed what.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .. import audit
from ..access import applications_for, in_area
from ..database import alphabetically, writing
from ..extensions import db
from ..lifecycle import RETURN_REASONS, move_to
from ..models import (
    ApplicantList,
    Application,
    Decision,
    Education,
    ListEntry,
    SocialStatus,
    Status,
    User,
    utcnow,
)


class ListError(Exception):
    """A refused change; `code` names the reason shown to the user."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def lists_for(user: User) -> sa.Select:
    """Lists in the user's area (district; region for regional administrators; all for national)."""
    return in_area(sa.select(ApplicantList), user, ApplicantList.district_id)


@dataclass(slots=True)
class Person:
    """What a list's page and files show of an applicant, as plain values."""
    REFERENCE_PREFIX = Application.REFERENCE_PREFIX
    id: int
    programme_year: int
    surname: str
    first_name: str
    patronymic: str | None
    iin: str
    birth_date: date
    phone: str
    social_status: SocialStatus
    education: Education

    full_name = property(Application.full_name.fget)  # the one way to write them
    reference = property(Application.reference.fget)


@dataclass(slots=True)
class Listed:
    """One name on a list (an entry and its person) read as a row, not as ORM objects: a list of hundreds of
    names is one statement and no identity map to fill."""
    id: int  # the entry's
    application_id: int
    decision: Decision
    reason: str | None
    note: str | None
    application: Person


PERSON_COLUMNS = (Application.id, Application.programme_year, Application.surname, Application.first_name,
                  Application.patronymic, Application.iin, Application.birth_date, Application.phone,
                  Application.social_status, Application.education)


def names_on(sent: ApplicantList) -> list[Listed]:
    """The names on a list in the order they were put on it, in one statement."""
    rows = db.session.execute(
        sa.select(ListEntry.id, ListEntry.decision, ListEntry.reason, ListEntry.note, *PERSON_COLUMNS)
        .join(Application, ListEntry.application_id == Application.id)
        .where(ListEntry.list_id == sent.id).order_by(ListEntry.id))
    return [Listed(entry, person[0], decision, reason, note, Person(*person))
            for entry, decision, reason, note, *person in rows]


def list_for(user: User, list_id: int) -> ApplicantList | None:
    """A list of the user's area with its district and sender (its names: `names_on`)."""
    return db.session.scalar(lists_for(user).where(ApplicantList.id == list_id).options(
        sa.orm.joinedload(ApplicantList.district), sa.orm.joinedload(ApplicantList.created_by)))


def _on_a_current_list():
    """The application is already waiting on (or approved in) the current version of some list. Correlated, so that
    each of the district's confirmed applications is looked up by its own index entry (list_entry.application_id),
    not the country's lists read whole."""
    return (sa.select(ListEntry.id)
            .join(ApplicantList, ListEntry.list_id == ApplicantList.id)
            .where(ListEntry.application_id == Application.id, ApplicantList.is_current,
                   ListEntry.decision != Decision.RETURNED)
            .exists())


def ready_to_send(actor: User) -> sa.Select:
    """Confirmed applicants of the officer's district that are on no current list yet."""
    return (applications_for(actor)
            .where(Application.status == Status.TARGET_GROUP_CONFIRMED, ~_on_a_current_list())
            .order_by(alphabetically(Application.surname), alphabetically(Application.first_name)))


def send_list(actor: User, application_ids: list[int] | None = None) -> ApplicantList:
    """Make a new numbered list of confirmed applicants (all ready ones, or those chosen) for the chamber."""
    with writing():
        query = ready_to_send(actor)
        if application_ids is not None:
            query = query.where(Application.id.in_(application_ids))
        chosen = db.session.scalars(query).all()
        if not chosen:
            raise ListError("empty")
        year = chosen[0].programme_year
        number = (db.session.scalar(sa.select(sa.func.max(ApplicantList.number)).where(
            ApplicantList.district_id == actor.district_id, ApplicantList.programme_year == year)) or 0) + 1
        sent = ApplicantList(district_id=actor.district_id, programme_year=year, number=number, created_by=actor)
        sent.entries = [ListEntry(application=application) for application in chosen]
        db.session.add(sent)
        for application in chosen:
            audit.record("sent_to_chamber", actor, application, note=f"№{number}/{year}")
    return sent


def revise_list(actor: User, current: ApplicantList, remove_entry_ids: list[int], add_application_ids: list[int],
                note: str | None) -> ApplicantList:
    """A new version of a sent list: some names taken off (only those still waiting), some added."""
    with writing():
        current = db.session.get(ApplicantList, current.id)
        if not current.is_current:
            raise ListError("not_current")
        removable = {e.id for e in current.entries if e.decision == Decision.PENDING}
        removed = [e for e in current.entries if e.id in set(remove_entry_ids) & removable]
        added = db.session.scalars(ready_to_send(actor).where(Application.id.in_(add_application_ids or [-1]))).all()
        if not removed and not added:
            raise ListError("no_change")
        revised = ApplicantList(district_id=current.district_id, programme_year=current.programme_year,
                                number=current.number, version=current.version + 1, created_by=actor,
                                change_note=(note or "").strip()[:300] or None)
        # A name the chamber returned and the centre puts back is waiting again: one entry, the new one.
        coming_back = {application.id for application in added}
        kept = [e for e in current.entries if e not in removed and e.application_id not in coming_back]
        revised.entries = [ListEntry(application_id=e.application_id, decision=e.decision, reason=e.reason, note=e.note,
                                     decided_at=e.decided_at, decided_by_id=e.decided_by_id) for e in kept]
        revised.entries += [ListEntry(application=application) for application in added]
        current.is_current = False
        db.session.add(revised)
        label = f"№{current.number}/{current.programme_year} v{revised.version}"
        for entry in removed:
            audit.record("removed_from_list", actor, entry.application, note=label)
        for application in added:
            audit.record("sent_to_chamber", actor, application, note=label)
    return revised


def review_entries(actor: User, sent: ApplicantList, entry_ids: list[int], approve: bool,
                   reason: str | None = None, note: str | None = None) -> tuple[int, int]:
    """The chamber approves names (they go on to the test) or returns them to the centre with a reason.

    Returns (decided, skipped): names already decided, or no longer confirmed, are left alone.
    """
    if not approve and reason not in RETURN_REASONS:
        raise ListError("reason")
    with writing():
        sent = db.session.get(ApplicantList, sent.id)
        if not sent.is_current:
            raise ListError("not_current")
        wanted = set(entry_ids)
        decided = skipped = 0
        for entry in sent.entries:
            if entry.id not in wanted:
                continue
            application = entry.application
            if entry.decision != Decision.PENDING or application.status != Status.TARGET_GROUP_CONFIRMED:
                skipped += 1
                continue
            entry.decision = Decision.APPROVED if approve else Decision.RETURNED
            entry.decided_at, entry.decided_by = utcnow(), actor
            if approve:
                move_to(application, Status.LIST_APPROVED, by=actor, note=sent.title)
            else:
                entry.reason, entry.note = reason, (note or "").strip()[:300] or None
                audit.record("returned_to_centre", actor, application, from_status=application.status,
                             to_status=None, reason=reason, typed=entry.note)
            decided += 1
    return decided, skipped


@dataclass
class ListState:
    pending: int
    approved: int
    returned: int

    @property
    def code(self) -> str:
        if self.pending and not (self.approved or self.returned):
            return "sent"
        return "in_review" if self.pending else "reviewed"


def state_of(names: list[Listed]) -> ListState:
    """The state of a list from its names (`names_on`)."""
    counts = {d: 0 for d in Decision}
    for entry in names:
        counts[entry.decision] += 1
    return ListState(counts[Decision.PENDING], counts[Decision.APPROVED], counts[Decision.RETURNED])


def states_of(list_ids: list[int]) -> dict[int, ListState]:
    """The state of many lists in one query (for the index pages)."""
    rows = db.session.execute(sa.select(ListEntry.list_id, ListEntry.decision, sa.func.count())
                              .where(ListEntry.list_id.in_(list_ids or [-1]))
                              .group_by(ListEntry.list_id, ListEntry.decision)).all()
    states = {list_id: ListState(0, 0, 0) for list_id in list_ids}
    for list_id, decision, count in rows:
        setattr(states[list_id], decision.value, count)
    return states


@dataclass
class Changes:
    older: ApplicantList
    newer: ApplicantList
    added: list[ListEntry]
    removed: list[ListEntry]
    decided: list[tuple[ListEntry, ListEntry]]  # (before, after) where the chamber's decision differs


def compare(older: ApplicantList, newer: ApplicantList) -> Changes:
    """Who is on one version and not the other, and whose decision changed in between. The two versions are
    compared on their entries' columns; only the entries that changed are loaded with their names (two statements
    however long the list)."""
    rows = db.session.execute(sa.select(ListEntry.list_id, ListEntry.application_id, ListEntry.id,
                                        ListEntry.decision)
                              .where(ListEntry.list_id.in_([older.id, newer.id]))).all()
    before = {application: (entry, decision) for list_id, application, entry, decision in rows
              if list_id == older.id}
    after = {application: (entry, decision) for list_id, application, entry, decision in rows
             if list_id == newer.id}
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    decided = sorted(a for a in before.keys() & after.keys() if before[a][1] != after[a][1])
    wanted = ([after[a][0] for a in added] + [before[a][0] for a in removed]
              + [entry for a in decided for entry in (before[a][0], after[a][0])])
    loaded = {e.id: e for e in db.session.scalars(
        sa.select(ListEntry).where(ListEntry.id.in_(wanted or [-1]))
        .options(sa.orm.joinedload(ListEntry.application), sa.orm.joinedload(ListEntry.decided_by)))}
    return Changes(
        older, newer,
        added=[loaded[after[a][0]] for a in added],
        removed=[loaded[before[a][0]] for a in removed],
        decided=[(loaded[before[a][0]], loaded[after[a][0]]) for a in decided])


def versions(sent: ApplicantList) -> list[ApplicantList]:
    """Every version of the list's number, oldest first (their entries are not loaded)."""
    return list(db.session.scalars(sa.select(ApplicantList).where(
        ApplicantList.district_id == sent.district_id, ApplicantList.programme_year == sent.programme_year,
        ApplicantList.number == sent.number).order_by(ApplicantList.version)))
