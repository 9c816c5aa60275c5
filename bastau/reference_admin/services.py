"""Reference data kept by the national administrators: the MCI per year, public holidays and transferred days,
lenders, and districts that close or are renamed.

Every writing service runs in one `with writing():` block (SQLite serializes writers), applies the rules from
bastau.rules, writes its audit entry and commits once. A refused change raises Refused, whose message says why in
the user's language (and `field` names the form field it is about), and changes nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import audit, rules
from ..calendar import kazakhstan_calendar
from ..database import writing
from ..extensions import db
from ..i18n import alphabetical, long_date
from ..models import CalendarDay, DayKind, District, DistrictName, Lender, MciRate, Region, User
from ..reference import forget
from ..refusals import NotFound, Refused

FIRST_YEAR = 2017  # the programme's first year
YEARS_AHEAD = 2    # how far ahead a year's reference data may be entered

MCI_TAKEN = _l("A rate in force from %(date)s is already entered: change that one instead.")
MCI_FIRST_OF_YEAR = _l("The first MCI of %(year)s must take effect on 1 January %(year)s, or the days before it "
                       "would have no MCI: enter the rate from 1 January first.")
OUT_OF_RANGE = _l("Choose a year from %(first)s to %(last)s.")
DAY_TAKEN = _l("%(date)s is already in the calendar: change that day instead.")
WORKING_ON_A_WEEKDAY = _l("Only a Saturday or a Sunday can be made a working day.")
YEAR_HAS_DAYS = _l("%(year)s already has days in the calendar: change them one by one.")
NOTHING_IN_PACKAGE = _l("The Kazakhstan calendar has no public holidays for %(year)s.")
LENDER_TAKEN = _l("A lender with this code already exists.")
CLOSED_IN_THE_PAST = _l("A district can be closed from today or a later day, not from a past day: applications "
                        "already made stay as they are.")
NOT_CLOSED = _l("This district is open to new applications.")
SAME_NAME = _l("This is the district's name already.")
RENAMED_IN_THE_FUTURE = _l("A new name can be entered from today or an earlier day, once it is in force.")
RENAMED_BEFORE = _l("The district was renamed with effect from %(date)s: a new name can only take effect from "
                    "a later day.")


def years_range(today: date) -> range:
    return range(FIRST_YEAR, today.year + YEARS_AHEAD + 1)


def _check_year(year: int, today: date, field: str | None = None) -> None:
    if year not in years_range(today):
        raise Refused(str(OUT_OF_RANGE) % {"first": FIRST_YEAR, "last": today.year + YEARS_AHEAD}, field)


# ---- MCI ----

def rates() -> list[MciRate]:
    return list(db.session.scalars(sa.select(MciRate).order_by(MciRate.valid_from.desc())))


def rate(valid_from: date) -> MciRate:
    found = db.session.get(MciRate, valid_from)
    if found is None:
        raise NotFound
    return found


def save_rate(original: date | None, valid_from: date, amount: int, law: str, actor: User, today: date) -> MciRate:
    """Add a rate, or change one (its date too). A year's first rate takes effect on 1 January
    (rules.mci_year_is_complete); a year is never given another year's rate."""
    with writing():
        row = rate(original) if original else None
        _check_year(valid_from.year, today, "valid_from")
        if valid_from != original and db.session.get(MciRate, valid_from) is not None:
            raise Refused(str(MCI_TAKEN) % {"date": long_date(valid_from)}, "valid_from")
        if not rules.mci_amount_is_valid(amount):
            raise Refused(_l("The MCI is a whole number of tenge from 1 to %(max)s.", max=rules.MAX_MCI_TENGE),
                          "amount")
        for year in {valid_from.year} | ({original.year} if original else set()):
            days = [day for day in db.session.scalars(
                sa.select(MciRate.valid_from).where(MciRate.valid_from.between(date(year, 1, 1), date(year, 12, 31))))
                if day != original]
            days += [valid_from] if valid_from.year == year else []
            if not rules.mci_year_is_complete(days):
                raise Refused(str(MCI_FIRST_OF_YEAR) % {"year": year}, "valid_from")
        before = f"{row.valid_from.isoformat()} {row.amount} KZT ({row.law}) -> " if row else ""
        if row is None:
            row = MciRate(valid_from=valid_from)
            db.session.add(row)
        row.valid_from, row.amount, row.law = valid_from, amount, law
        audit.record("mci_changed" if original else "mci_added", actor,
                     note=f"{before}{valid_from.isoformat()} {amount} KZT ({law})")
        return row


# ---- Public holidays and transferred days ----

def days_of(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day)))


def calendar_years() -> dict[int, int]:
    """{year: number of public holidays} of the years that have days."""
    counts: dict[int, int] = {}
    for day, kind in db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)):
        counts[day.year] = counts.get(day.year, 0) + (kind == DayKind.HOLIDAY)
    return counts


def calendar_day(day: date) -> CalendarDay:
    found = db.session.get(CalendarDay, day)
    if found is None:
        raise NotFound
    return found


def save_day(original: date | None, day: date, kind: DayKind, name_kk: str, name_ru: str, actor: User,
             today: date) -> CalendarDay:
    """Add or change a holiday, a day off or a transferred working day (a weekend day: rules.is_training_day)."""
    with writing():
        row = calendar_day(original) if original else None
        _check_year(day.year, today, "day")
        if day != original and db.session.get(CalendarDay, day) is not None:
            raise Refused(str(DAY_TAKEN) % {"date": long_date(day)}, "day")
        if kind == DayKind.WORKING_DAY and day.weekday() < 5:
            raise Refused(WORKING_ON_A_WEEKDAY, "kind")
        before = f"{row.day.isoformat()} {row.kind.value} «{row.name_kk}» -> " if row else ""
        if row is None:
            row = CalendarDay(day=day)
            db.session.add(row)
        row.day, row.kind, row.name_kk, row.name_ru = day, kind, name_kk, name_ru
        audit.record("calendar_day_changed" if original else "calendar_day_added", actor,
                     note=f"{before}{day.isoformat()} {kind.value} «{name_kk}» / «{name_ru}»")
        forget("calendar")
        return row


def remove_day(day: date, actor: User) -> None:
    with writing():
        row = calendar_day(day)
        audit.record("calendar_day_removed", actor, note=f"{row.day.isoformat()} {row.kind.value} «{row.name_kk}»")
        db.session.delete(row)
        forget("calendar")


def fill_year(year: int, actor: User, today: date) -> int:
    """A year with no days yet, filled from the `holidays` package's Kazakhstan calendar (observed days off as
    rules.OBSERVED_REST_DAYS_ARE_DAYS_OFF says); the administrators check it and add the government's transfers."""
    import holidays

    with writing():
        _check_year(year, today)
        if days_of(year):
            raise Refused(str(YEAR_HAS_DAYS) % {"year": year})
        found = kazakhstan_calendar(year)
        if not found:
            raise Refused(str(NOTHING_IN_PACKAGE) % {"year": year})
        for item in found:
            db.session.add(CalendarDay(day=item.day, kind=item.kind, name_kk=item.name_kk, name_ru=item.name_ru))
        audit.record("calendar_year_filled", actor,
                     note=f"{year}: {len(found)} days from holidays {holidays.__version__} (KZ); observed days off: "
                          f"{rules.OBSERVED_REST_DAYS_ARE_DAYS_OFF}")
        forget("calendar")
        return len(found)


# ---- Lenders ----

def all_lenders() -> list[Lender]:
    return list(db.session.scalars(sa.select(Lender).order_by(Lender.position, Lender.code)))


def lender(code: str) -> Lender:
    found = db.session.get(Lender, code)
    if found is None:
        raise NotFound
    return found


def save_lender(original: str | None, code: str | None, name_kk: str, name_ru: str, position: int | None,
                actor: User) -> Lender:
    """Add a lender or rename one; its code never changes (referrals keep it)."""
    with writing():
        row = lender(original) if original else None
        if row is None and db.session.get(Lender, code) is not None:
            raise Refused(LENDER_TAKEN, "code")
        place = position
        if place is None:
            place = row.position if row else (db.session.scalar(sa.select(sa.func.max(Lender.position))) or 0) + 10
        before = f"«{row.name_kk}» / «{row.name_ru}» ({row.position}) -> " if row else ""
        if row is None:
            row = Lender(code=code, active=True)
            db.session.add(row)
        row.name_kk, row.name_ru, row.position = name_kk, name_ru, place
        audit.record("lender_changed" if original else "lender_added", actor,
                     note=f"{row.code}: {before}«{name_kk}» / «{name_ru}» ({place})")
        forget("lenders")
        return row


def set_lender_active(code: str, active: bool, actor: User) -> Lender:
    """An inactive lender is no longer offered for new referrals; old referrals keep showing its name."""
    with writing():
        row = lender(code)
        if row.active != active:
            row.active = active
            audit.record("lender_activated" if active else "lender_deactivated", actor, note=row.code)
        forget("lenders")
        return row


# ---- Districts ----

def regions() -> list[Region]:
    return sorted(db.session.scalars(sa.select(Region)), key=lambda r: alphabetical(r.name))


def districts_of(region_id: int) -> list[District]:
    """A region's districts in the page's alphabetical order, with their former names."""
    return sorted(db.session.scalars(sa.select(District).where(District.region_id == region_id)
                                     .options(selectinload(District.former_names))),
                  key=lambda d: alphabetical(d.name))


def district(district_id: int, *, lock: bool = False) -> District:
    query = sa.select(District).where(District.id == district_id)
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound
    return found


def _place(row: District) -> str:
    return f"{row.kato_code} {row.name_kk}"


def close_district(district_id: int, closed_from: date, actor: User, today: date) -> District:
    """From `closed_from` on the district is no longer offered to new applications; its people and records stay."""
    with writing():
        row = district(district_id, lock=True)
        if closed_from < today:
            raise Refused(CLOSED_IN_THE_PAST, "closed_from")
        before = row.closed_from.isoformat() if row.closed_from else "open"
        row.closed_from = closed_from
        audit.record("district_closed", actor, note=f"{_place(row)}: {before} -> closed from {closed_from.isoformat()}")
        return row


def reopen_district(district_id: int, actor: User) -> District:
    with writing():
        row = district(district_id, lock=True)
        if row.closed_from is None:
            raise Refused(NOT_CLOSED)
        audit.record("district_reopened", actor, note=f"{_place(row)}: was closed from {row.closed_from.isoformat()}")
        row.closed_from = None
        return row


def rename_district(district_id: int, name_kk: str, name_ru: str, renamed_on: date, actor: User,
                    today: date) -> District:
    """The new name from `renamed_on`; the old one is kept (used until the day before), so an application shows
    its district's name as it was when the person applied. Renamed again with the same date: a correction of the
    new name, no name in between."""
    with writing():
        row = district(district_id, lock=True)
        if renamed_on > today:
            raise Refused(RENAMED_IN_THE_FUTURE, "renamed_on")
        if (name_kk, name_ru) == (row.name_kk, row.name_ru):
            raise Refused(SAME_NAME, "name_kk")
        last = max((former.used_until for former in row.former_names), default=None)
        used_until = renamed_on - timedelta(days=1)
        if last is not None and used_until < last:
            raise Refused(str(RENAMED_BEFORE) % {"date": long_date(last + timedelta(days=1))}, "renamed_on")
        old = f"«{row.name_kk}» / «{row.name_ru}»"
        if used_until != last:
            db.session.add(DistrictName(district=row, used_until=used_until, name_kk=row.name_kk,
                                        name_ru=row.name_ru))
        row.name_kk, row.name_ru = name_kk, name_ru
        audit.record("district_renamed", actor,
                     note=f"{row.kato_code}: {old} -> «{name_kk}» / «{name_ru}» from {renamed_on.isoformat()}")
        return row
