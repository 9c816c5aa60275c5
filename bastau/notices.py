"""Desk notices: what the calendar's jobs found that somebody must act on, until it is done.

Which roles see which kind, and the words for each, are here; the jobs open and close them
(bastau/jobs/calendar.py); the desk lists the open ones of the user's area.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from .access import in_area
from .extensions import db
from .models import Notice, Role, User, utcnow

AUDIENCE: dict[str, tuple[Role, ...]] = {
    "commission_overdue": (Role.CHAMBER_STAFF, Role.COMMISSION),
    "follow_up_due": (Role.CHAMBER_STAFF,),
    "reference_mci_missing": (Role.NATIONAL_ADMIN,),
    "reference_holidays_missing": (Role.NATIONAL_ADMIN,),
    "reference_no_lender": (Role.NATIONAL_ADMIN,),
}

WORDS = {
    "commission_overdue": _l("%(name)s has been flagged for absences since %(date)s and the commission has not "
                             "decided yet."),
    "follow_up_due": _l("The %(months)s-month business follow-up of %(name)s is due."),
    "reference_mci_missing": _l("The MCI for %(year)s is not entered yet: loan referrals of %(year)s will be "
                                "refused until it is."),
    "reference_holidays_missing": _l("The public holidays of %(year)s are not entered yet: cohorts of %(year)s "
                                     "would be scheduled on holidays."),
    "reference_no_lender": _l("No lender is active: loan referrals cannot be made."),
}


CHUNK = 5_000  # keys or ids in one IN (...): far below SQLite's limit of bound parameters


def chunks(items: list) -> Iterable[list]:
    """`items` in slices short enough for one IN (...)."""
    return (items[start:start + CHUNK] for start in range(0, len(items), CHUNK))


@dataclass
class Opened:
    """What `open_notices` did: the keys that had no notice yet, and those whose closed notice came back."""
    new: list[str]
    again: list[str]

    def __len__(self) -> int:
        return len(self.new) + len(self.again)


def open_notices(kind: str, found: Mapping[str, Mapping]) -> Opened:
    """Open a notice for each key that has none (open or closed: a closed one was dealt with) and open again a
    closed one whose thing came back, in a few statements: `found` maps each key to the notice's application_id,
    district_id and detail (any may be left out)."""
    existing: dict[str, tuple[int, object]] = {}
    for keys in chunks(list(found)):
        existing.update((key, (notice_id, closed_at)) for key, notice_id, closed_at in db.session.execute(
            sa.select(Notice.key, Notice.id, Notice.closed_at).where(Notice.key.in_(keys))))
    new = [{"application_id": None, "district_id": None, "detail": None, **values, "kind": kind, "key": key}
           for key, values in found.items() if key not in existing]
    if new:
        db.session.execute(sa.insert(Notice), new)
    again = {key: notice_id for key, (notice_id, closed_at) in existing.items() if closed_at is not None}
    for ids in chunks(list(again.values())):
        db.session.execute(sa.update(Notice).where(Notice.id.in_(ids)).values(closed_at=None))
    return Opened([row["key"] for row in new], list(again))


def sync_notices(kind: str, found: Mapping[str, Mapping]) -> tuple[Opened, int]:
    """A job's whole finding for a kind: `open_notices(kind, found)`, then close the kind's open notices not found, reading the
    kind's open notices once, so that only the keys not open already are looked up one by one. Returns what was
    opened and how many were closed."""
    open_now = dict(_open_ones(kind))
    opened = open_notices(kind, {key: values for key, values in found.items() if key not in open_now})
    return opened, _close([notice_id for key, notice_id in open_now.items() if key not in found])


def _open_ones(kind: str) -> list[tuple[str, int]]:
    return [(key, notice_id) for key, notice_id in db.session.execute(
        sa.select(Notice.key, Notice.id).where(Notice.kind == kind, Notice.closed_at.is_(None)))]


def _close(ids: list[int]) -> int:
    now = utcnow()
    for some in chunks(ids):
        db.session.execute(sa.update(Notice).where(Notice.id.in_(some)).values(closed_at=now))
    return len(ids)


def for_desk(user: User, limit: int = 50) -> list[Notice]:
    """The open notices this person's role sees, in their area (national ones have no district)."""
    kinds = [kind for kind, roles in AUDIENCE.items() if user.role in roles]
    if not kinds:
        return []
    query = sa.select(Notice).where(Notice.closed_at.is_(None), Notice.kind.in_(kinds))
    if user.role != Role.NATIONAL_ADMIN:
        query = in_area(query, user, Notice.district_id)
    return list(db.session.scalars(query.order_by(Notice.created_at, Notice.id).limit(limit)))


def text(notice: Notice) -> str:
    """The notice in the page's language."""
    from datetime import date
    values = {"name": notice.application.full_name if notice.application else "", "year": notice.detail or "",
              "months": notice.detail or ""}
    if notice.kind == "commission_overdue" and notice.detail:
        values["date"] = format_date(date.fromisoformat(notice.detail), "d MMMM yyyy")
    return str(WORDS[notice.kind]) % values


def link(notice: Notice) -> str | None:
    """Where the person acts on the notice (for the signed-in user's role), if that page exists."""
    from flask import current_app, url_for
    from flask_login import current_user

    role = current_user.role
    if notice.kind == "commission_overdue":
        targets = ("commission.review",) if role == Role.COMMISSION else ("staff.application",)
    elif notice.kind == "follow_up_due":
        targets = ("loans.participant",)
    else:
        targets = ("reference_admin.index",)
    for endpoint in targets:
        if endpoint in current_app.view_functions:
            args = {"application_id": notice.application_id} if notice.application_id else {}
            return url_for(endpoint, **args)
    return None


def open_reference_warnings() -> list[str]:
    """For /healthz: the kinds and years of reference data about to run out (no names: it is public)."""
    rows = db.session.execute(sa.select(Notice.kind, Notice.detail).where(
        Notice.closed_at.is_(None), Notice.kind.like("reference_%")).order_by(Notice.kind, Notice.detail))
    return [f"{kind.removeprefix('reference_')} {detail}".strip() for kind, detail in rows]
