"""Yearly plans: how many people the programme trains in a year, nationally, per region and per district.

National administrators set the national plan and the regions' plans; regional administrators (and national
ones) set the plans of a region's districts. The parts must add up to the whole (rules.plan_parts_add_up):
a save that breaks the rule stores nothing. The same tables travel as an XLSX template (KATO code, name,
plan) that can be filled in and uploaded back: all rows are saved or none.

The dashboards read a year's plans with plan_for_year(year) (or national_plan / region_plans /
district_plans).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

from .. import archives, audit, rules
from ..clock import today
from ..database import writing
from ..extensions import db
from ..i18n import alphabetical, whole_number
from ..exports import defused
from ..models import District, DistrictPlan, NationalPlan, Region, RegionPlan, Role, User
from ..refusals import NotFound, Refused

FIRST_YEAR = 2017  # the programme's first year
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # a 1 MB file that unpacks to more is not a plan table
MAX_ROWS = 1000
MAX_ENTRIES = 200  # parts of the zip: Excel writes about a dozen for a one-sheet workbook
NATIONAL_CODE = "KZ"  # the national plan's row of the national template
NATIONAL_NAME_KK = "Қазақстан Республикасы"
HEADERS = (_l("KATO code"), _l("Name"), _l("Plan, people"))
NOT_A_NUMBER = _l("Enter a whole number from 0 to 1,000,000.")
EMPTY = _l("Enter the number of people (0 if none).")
NOT_XLSX = _l("This is not an Excel workbook (.xlsx): download the template, fill it in and upload it.")


# ---- Reading: for the pages and the dashboards ----

def national_plan(year: int) -> int | None:
    return db.session.scalar(sa.select(NationalPlan.people).where(NationalPlan.year == year))


def region_plans(year: int) -> dict[int, int]:
    """{region_id: people} of the regions that have a plan for the year."""
    return dict(db.session.execute(sa.select(RegionPlan.region_id, RegionPlan.people)
                                   .where(RegionPlan.year == year)).all())


def district_plans(year: int, region_id: int | None = None) -> dict[int, int]:
    """{district_id: people} of the districts (of one region, if given) that have a plan for the year."""
    query = sa.select(DistrictPlan.district_id, DistrictPlan.people).where(DistrictPlan.year == year)
    if region_id is not None:
        query = query.join(District, District.id == DistrictPlan.district_id).where(District.region_id == region_id)
    return dict(db.session.execute(query).all())


def plan_for_year(year: int) -> dict:
    """A year's whole plan: {"national": people or None, "regions": {region_id: people},
    "districts": {district_id: people}}; a region or district without a plan is absent."""
    return {"national": national_plan(year), "regions": region_plans(year), "districts": district_plans(year)}


def years() -> list[int]:
    """The years a plan may be set for: from the programme's first year to next year."""
    return list(range(FIRST_YEAR, today().year + 2))


def district_sums(year: int) -> dict[int, int]:
    """{region_id: sum of its districts' plans} for the regions whose districts have plans."""
    rows = db.session.execute(sa.select(District.region_id, sa.func.sum(DistrictPlan.people))
                              .join(District, District.id == DistrictPlan.district_id)
                              .where(DistrictPlan.year == year).group_by(District.region_id)).all()
    return {region_id: int(total) for region_id, total in rows}


# ---- The area ----

def regions_for(user: User) -> sa.Select:
    """The regions whose plans the user may see: all for national administrators, their own for regional ones."""
    query = sa.select(Region)
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGIONAL_ADMIN:
        return query.where(Region.id == user.region_id)
    return query.where(sa.false())


def region_in_area(user: User, region_id: int) -> Region:
    region = db.session.scalar(regions_for(user).where(Region.id == region_id))
    if region is None:
        raise NotFound
    return region


# ---- The tables (one row per input) ----

@dataclass
class Row:
    key: str            # the form field: "national", "region-<id>", "district-<id>"
    kato: str
    name: str           # in the page's language
    name_kk: str        # for the audit log
    id: int | None      # region or district id; None for the national row
    stored: int | None
    raw: str = ""
    error: str | None = None
    value: int | None = None
    typed: bool = False     # the value came from the form or the file (shown as typed, even if empty)

    @property
    def shown(self) -> str:
        """What the input shows: what was typed, else what is stored."""
        if self.typed:
            return self.raw
        return str(self.stored) if self.stored is not None else ""


@dataclass
class Table:
    year: int
    total: Row | None               # the national row (national table only)
    rows: list[Row]
    whole: int | None = None        # what the rows must add up to (region table: the region's plan)

    @property
    def all_rows(self) -> list[Row]:
        return ([self.total] if self.total else []) + self.rows


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: alphabetical(row.name))


def national_table(year: int) -> Table:
    stored = region_plans(year)
    rows = [Row(f"region-{r.id}", r.kato_code, r.name, r.name_kk, r.id, stored.get(r.id))
            for r in db.session.scalars(sa.select(Region))]
    total = Row("national", NATIONAL_CODE, _("National plan"), NATIONAL_NAME_KK, None, national_plan(year))
    return Table(year, total, _sorted(rows), whole=total.stored)


def region_table(year: int, region: Region) -> Table:
    stored = district_plans(year, region.id)
    rows = [Row(f"district-{d.id}", d.kato_code, d.name, d.name_kk, d.id, stored.get(d.id))
            for d in db.session.scalars(sa.select(District).where(District.region_id == region.id))]
    whole = db.session.scalar(sa.select(RegionPlan.people).where(RegionPlan.year == year,
                                                                 RegionPlan.region_id == region.id))
    return Table(year, None, _sorted(rows), whole=whole)


# ---- Saving ----

class PlanRefused(Refused):
    """Nothing was stored: `message` says why, `table` keeps what was typed (with each row's error)
    and `problems` lists the bad rows of an uploaded file."""

    def __init__(self, message, table: Table | None = None, problems: list[str] | None = None):
        super().__init__(message)
        self.table = table
        self.problems = problems or []


def as_number(n: int) -> str:
    return whole_number(n)


def add_up_message(parts_name: str, whole_name: str, total: int, parts: list[int]) -> str:
    """«The regions add up to 14,800, the national plan is 15,000: 200 are missing.»"""
    difference = rules.plan_difference(total, parts)
    if parts_name == "regions":
        if difference < 0:
            return ngettext("The regions add up to %(sum)s, the national plan is %(total)s: %(difference)s is missing.",
                            "The regions add up to %(sum)s, the national plan is %(total)s: "
                            "%(difference)s are missing.", -difference,
                            sum=as_number(sum(parts)), total=as_number(total), difference=as_number(-difference))
        return ngettext("The regions add up to %(sum)s, the national plan is %(total)s: %(difference)s too many.",
                        "The regions add up to %(sum)s, the national plan is %(total)s: %(difference)s too many.",
                        difference, sum=as_number(sum(parts)), total=as_number(total), difference=as_number(difference))
    if difference < 0:
        return ngettext("The districts add up to %(sum)s, the plan of %(region)s is %(total)s: "
                        "%(difference)s is missing.",
                        "The districts add up to %(sum)s, the plan of %(region)s is %(total)s: "
                        "%(difference)s are missing.", -difference, region=whole_name,
                        sum=as_number(sum(parts)), total=as_number(total), difference=as_number(-difference))
    return ngettext("The districts add up to %(sum)s, the plan of %(region)s is %(total)s: %(difference)s too many.",
                    "The districts add up to %(sum)s, the plan of %(region)s is %(total)s: %(difference)s too many.",
                    difference, region=whole_name, sum=as_number(sum(parts)), total=as_number(total),
                    difference=as_number(difference))


def _read_typed(table: Table, form) -> None:
    """Each row's value from the form; an empty or unreadable number marks the row."""
    for row in table.all_rows:
        row.raw, row.typed = (form.get(row.key) or "").strip()[:40], True
        row.value = rules.parse_plan_people(row.raw) if row.raw else None
        if not row.raw:
            row.error = str(EMPTY)
        elif row.value is None:
            row.error = str(NOT_A_NUMBER)


def _refuse(message, table: Table, problems: list[str] | None = None):
    raise PlanRefused(message, table, problems)


def _store(actor: User, table: Table, region: Region | None) -> int:
    """Write the rows whose value changed, one audit entry each, inside the caller's writing() block;
    the caller's checks have passed."""
    changed = 0
    for row in table.all_rows:
        if row.value is None or row.value == row.stored:
            continue
        changed += 1
        if row.id is None:
            plan = db.session.get(NationalPlan, table.year) or NationalPlan(year=table.year)
        elif region is None:
            plan = db.session.scalar(sa.select(RegionPlan).where(RegionPlan.year == table.year,
                                                                 RegionPlan.region_id == row.id)) \
                or RegionPlan(year=table.year, region_id=row.id)
        else:
            plan = db.session.scalar(sa.select(DistrictPlan).where(DistrictPlan.year == table.year,
                                                                   DistrictPlan.district_id == row.id)) \
                or DistrictPlan(year=table.year, district_id=row.id)
        plan.people, plan.updated_by_id = row.value, actor.id
        db.session.add(plan)
        audit.record("plan_set", actor, note=f"{table.year} {row.name_kk}: {row.value:,}")
    return changed


def _check_national(table: Table, problems: list[str] | None = None) -> None:
    if table.total.value is None:
        if table.total.raw == "" and not problems:
            table.total.error = str(_l("Enter the national plan first: the regions' plans must add up to it."))
            _refuse(table.total.error, table)
    if problems or any(row.error for row in table.all_rows):
        _refuse(_("Some numbers could not be read: see the marked rows."), table, problems)
    parts = [row.value if row.value is not None else (row.stored or 0) for row in table.rows]
    if not rules.plan_parts_add_up(table.total.value, parts):
        _refuse(add_up_message("regions", "", table.total.value, parts), table)


def _check_region(table: Table, region: Region, problems: list[str] | None = None) -> None:
    if table.whole is None:
        _refuse(_("The plan of %(region)s for %(year)d is not set yet: the national administrators set it first.",
                  region=region.name, year=table.year), table)
    if problems or any(row.error for row in table.rows):
        _refuse(_("Some numbers could not be read: see the marked rows."), table, problems)
    parts = [row.value if row.value is not None else (row.stored or 0) for row in table.rows]
    if not rules.plan_parts_add_up(table.whole, parts):
        _refuse(add_up_message("districts", region.name, table.whole, parts), table)


def save_national(actor: User, year: int, form) -> int:
    """Store the national plan and the regions' plans typed on the page; returns how many rows changed."""
    if actor.role != Role.NATIONAL_ADMIN:
        raise NotFound
    with writing():
        table = national_table(year)
        _read_typed(table, form)
        _check_national(table)
        return _store(actor, table, None)


def save_region(actor: User, year: int, region_id: int, form) -> int:
    """Store the districts' plans of a region typed on the page; returns how many rows changed."""
    with writing():
        region = region_in_area(actor, region_id)
        table = region_table(year, region)
        _read_typed(table, form)
        _check_region(table, region)
        return _store(actor, table, region)


# ---- The XLSX template ----

def template_xlsx(table: Table) -> bytes:
    """Columns: KATO code, name (in the user's language), plan (pre-filled with what is stored)."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(table.year)
    sheet.append([str(h) for h in HEADERS])
    for row in table.all_rows:
        sheet.append([row.kato, defused(row.name), row.stored])
        for cell in sheet[sheet.max_row][:2]:
            cell.data_type = TYPE_STRING  # text, never a formula
    for index, width in enumerate((14, 40, 16), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _workbook_rows(data: bytes) -> list[tuple[int, object, object]]:
    """(row number, KATO code cell, plan cell) of the first sheet, below the header row."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PlanRefused(_("The file is larger than 1 MB: upload the template with the plans only."))
    buffer = io.BytesIO(data)
    try:  # inflated and counted before openpyxl reads it: the sizes a file declares may lie (bastau/archives.py)
        names = archives.unpacked_sizes(buffer, MAX_ENTRIES, MAX_UNPACKED_BYTES)
    except (archives.ArchiveDamaged, archives.ArchiveTooLarge):
        raise PlanRefused(NOT_XLSX) from None
    if "xl/workbook.xml" not in names:
        raise PlanRefused(NOT_XLSX)
    try:
        book = load_workbook(buffer, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            found = []
            for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=3, values_only=True), start=2):
                if number > MAX_ROWS + 1:
                    raise PlanRefused(_("The file has more than %(num)d rows: upload the template.", num=MAX_ROWS))
                cells = tuple(cells) + (None,) * (3 - len(cells))
                found.append((number, cells[0], cells[2]))
            return found
        finally:
            book.close()
    except PlanRefused:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged file  # noqa: BLE001
        raise PlanRefused(_("The workbook could not be read: save it again as .xlsx and upload it.")) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code_text(value) -> str:
    text = _cell_text(value)
    return text.zfill(9) if text.isdigit() and isinstance(value, (int, float)) else text.upper()


def _read_upload(table: Table, found: list[tuple[int, object, object]]) -> list[str]:
    """Put the file's numbers into the table's rows (by KATO code); rows not in the file keep their plan.
    Returns the problems, each with its row number."""
    by_code = {row.kato: row for row in table.all_rows}
    seen: dict[str, int] = {}
    problems = []
    for number, code_cell, plan_cell in found:
        code, raw = _code_text(code_cell), _cell_text(plan_cell)
        if not code and not raw:
            continue  # an empty line
        row = by_code.get(code)
        if row is None:
            problems.append(_("Row %(row)d: «%(code)s» is not a KATO code of this table.", row=number,
                              code=code[:20] or "—"))
            continue
        if code in seen:
            problems.append(_("Row %(row)d: KATO code %(code)s is already on row %(first)d.", row=number, code=code,
                              first=seen[code]))
            continue
        seen[code] = number
        row.raw, row.typed = raw[:40], True
        row.value = rules.parse_plan_people(raw) if raw else None
        if not raw:
            row.error = str(EMPTY)
            problems.append(_("Row %(row)d (%(name)s): the plan is empty; enter 0 if none.", row=number,
                              name=row.name))
        elif row.value is None:
            row.error = str(NOT_A_NUMBER)
            problems.append(_("Row %(row)d (%(name)s): «%(value)s» is not a whole number from 0 to 1,000,000.",
                              row=number, name=row.name, value=raw[:20]))
    return problems


def upload_national(actor: User, year: int, data: bytes) -> int:
    """Read the national template back: all rows are saved, or none."""
    if actor.role != Role.NATIONAL_ADMIN:
        raise NotFound
    found = _workbook_rows(data)  # a file that is not a workbook is refused before the write lock is taken
    with writing():
        table = national_table(year)
        problems = _read_upload(table, found)
        if table.total.value is None and not table.total.raw:
            table.total.value = table.total.stored
            if table.total.value is None and not problems:
                _refuse(_("Enter the national plan first (the row with code %(code)s): the regions' plans must "
                          "add up to it.", code=NATIONAL_CODE), table)
        _check_national(table, problems)
        return _store(actor, table, None)


def upload_region(actor: User, year: int, region_id: int, data: bytes) -> int:
    """Read a region's template back: all rows are saved, or none."""
    region_in_area(actor, region_id)
    found = _workbook_rows(data)
    with writing():
        region = region_in_area(actor, region_id)
        table = region_table(year, region)
        problems = _read_upload(table, found)
        _check_region(table, region, problems)
        return _store(actor, table, region)

