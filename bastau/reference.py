"""Loading reference data (regions, districts, MCI, holidays, lenders) from the files kept in bastau/data, and
what the national administrators must add before it runs out.

The files are the starting point only: MCI rates and holidays are loaded for a year that has none yet, lenders by
a code not known yet, so a reload never overwrites what administrators changed on the reference screens.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from flask import g

from . import rules
from .config import ROOT
from .extensions import db
from .models import CalendarDay, DayKind, District, DistrictName, Lender, MciRate, Region

DATA = ROOT / "bastau" / "data"
KATO_EDITION = "НК РК 11-2025 (17.07.2026)"


def region_code(district_code: str) -> str:
    """KATO: the first two digits name the region (or city of republican significance)."""
    return district_code[:2] + "0000000"


def load_districts(path=DATA / "kz_districts.csv") -> tuple[int, int]:
    """Insert or update every region and district by KATO code; ids of existing rows never change, and a district
    the administrators renamed keeps its new name."""
    regions = {r.kato_code: r for r in db.session.scalars(sa.select(Region))}
    districts = {d.kato_code: d for d in db.session.scalars(sa.select(District))}
    renamed = set(db.session.scalars(sa.select(DistrictName.district_id).distinct()))
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["kato_code"].strip()
            if len(code) != 9 or not code.isdigit():
                raise ValueError(f"bad KATO code {code!r}")
            region = regions.get(region_code(code))
            if region is None:
                region = regions[region_code(code)] = Region(kato_code=region_code(code))
                db.session.add(region)
            region.name_kk, region.name_ru = row["region_kk"].strip(), row["region_ru"].strip()
            district = districts.get(code)
            if district is None:
                district = districts[code] = District(kato_code=code, region=region)
                db.session.add(district)
            district.region = region
            if district.id not in renamed:
                district.name_kk, district.name_ru = row["district_kk"].strip(), row["district_ru"].strip()
            district.kato_edition = KATO_EDITION
    db.session.commit()
    return len(regions), len(districts)


def load_mci(path=DATA / "mci.csv") -> int:
    """The MCI rates of the file (column `source`: the law), for the years that have no rate yet."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = {day.year for day in db.session.scalars(sa.select(MciRate.valid_from))}
    added = 0
    for row in rows:
        valid_from = date.fromisoformat(row["valid_from"])
        if valid_from.year in kept:
            continue
        amount = int(row["amount_tenge"])
        if not rules.mci_amount_is_valid(amount):
            raise ValueError(f"MCI {amount} of {valid_from} is out of range")
        db.session.add(MciRate(valid_from=valid_from, amount=amount, law=(row.get("source") or "").strip() or None))
        added += 1
    db.session.commit()
    return added


def holidays_file(path=DATA / "holidays.csv") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_holidays(path=DATA / "holidays.csv") -> int:
    """The public holidays of the file, for the years that have no calendar days yet."""
    kept = {day.year for day in db.session.scalars(sa.select(CalendarDay.day))}
    added = 0
    for row in holidays_file(path):
        day = date.fromisoformat(row["date"])
        if day.year in kept:
            continue
        db.session.add(CalendarDay(day=day, kind=DayKind.HOLIDAY, name_kk=row["name_kk"].strip(),
                                   name_ru=row["name_ru"].strip()))
        added += 1
    db.session.commit()
    return added


def load_lenders(path=DATA / "lenders.json") -> int:
    """The lenders of the file whose code is not known yet (a renamed or deactivated lender stays as it is)."""
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle)
    known = set(db.session.scalars(sa.select(Lender.code)))
    added = 0
    for position, row in enumerate(rows, start=1):
        if row["code"] in known:
            continue
        db.session.add(Lender(code=row["code"], name_kk=row["name_kk"].strip(), name_ru=row["name_ru"].strip(),
                              active=True, position=position * 10))
        added += 1
    db.session.commit()
    return added


def load_all() -> str:
    regions, districts = load_districts()
    rates = load_mci()
    days = load_holidays()
    lenders = load_lenders()
    questions = load_questions()
    criteria = load_rubric()
    return (f"{regions} regions, {districts} districts, {rates} MCI values, {days} public holidays, "
            f"{lenders} lenders, {questions} test questions, {criteria} rubric criteria added")


# ---- Read often, changed rarely: kept for one app context (one request, one job run) ----

T = TypeVar("T")


def kept(key: str, load: Callable[[], T]) -> T:
    """`load()` once per app context. Nothing outlives a request or a job run, so an administrator's change is
    seen at once by every process; a service that changes the data calls forget() for its own context."""
    name = f"bastau_reference_{key}"
    if name not in g:
        setattr(g, name, load())
    return getattr(g, name)


def forget(*keys: str) -> None:
    for key in keys:
        g.pop(f"bastau_reference_{key}", None)


# ---- What runs out: for the calendar job's warnings on the national administrator's desk ----

MCI_MISSING, HOLIDAYS_MISSING, NO_LENDER = "mci_missing", "holidays_missing", "no_lender"


@dataclass(frozen=True)
class ReferenceGap:
    kind: str  # MCI_MISSING, HOLIDAYS_MISSING or NO_LENDER
    year: int | None = None


def reference_gaps(today: date) -> list[ReferenceGap]:
    """Reference data that has run out or is about to (rules.next_year_is_due): the MCI or the public holidays
    of this year, and from 1 December those of next year; no active lender. Reads only."""
    years = [today.year] + ([today.year + 1] if rules.next_year_is_due(today) else [])
    rate_years = {day.year for day in db.session.scalars(
        sa.select(MciRate.valid_from).where(MciRate.valid_from >= date(years[0], 1, 1),
                                            MciRate.valid_from <= date(years[-1], 12, 31)))}
    holiday_years = {day.year for day in db.session.scalars(
        sa.select(CalendarDay.day).where(CalendarDay.kind == DayKind.HOLIDAY,
                                         CalendarDay.day >= date(years[0], 1, 1),
                                         CalendarDay.day <= date(years[-1], 12, 31)))}
    gaps = [ReferenceGap(MCI_MISSING, year) for year in years if year not in rate_years]
    gaps += [ReferenceGap(HOLIDAYS_MISSING, year) for year in years if year not in holiday_years]
    if db.session.scalar(sa.select(Lender.code).where(Lender.active.is_(True)).limit(1)) is None:
        gaps.append(ReferenceGap(NO_LENDER))
    return gaps


def load_questions(path=DATA / "test_questions.json") -> int:
    """The starter bank of the entrepreneurial-potential test, inserted only into an empty bank:
    once administrators have edited the questions, the bank is theirs and a reload leaves it alone."""
    import json

    from . import rules
    from .models import TestOption, TestQuestion

    if db.session.scalar(sa.select(TestQuestion.id).limit(1)) is not None:
        return 0
    with open(path, encoding="utf-8") as handle:
        questions = json.load(handle)["questions"]
    for position, item in enumerate(questions, start=1):
        if not rules.question_is_complete(option["points"] for option in item["options"]):
            raise ValueError(f"test question {position} needs 2-4 options, one of them with points")
        question = TestQuestion(position=position, text_kk=item["text_kk"].strip(), text_ru=item["text_ru"].strip())
        question.options = [TestOption(position=n, text_kk=o["text_kk"].strip(), text_ru=o["text_ru"].strip(),
                                       points=int(o["points"])) for n, o in enumerate(item["options"], start=1)]
        db.session.add(question)
    db.session.commit()
    return len(questions)


def load_rubric(path=DATA / "rubric.json") -> int:
    """The defence rubric (criteria, weights, maximum points), inserted only into an empty rubric:
    once it has been used or edited, a reload leaves it alone (old scores keep their criteria)."""
    import json

    from .models import RubricCriterion

    if db.session.scalar(sa.select(RubricCriterion.id).limit(1)) is not None:
        return 0
    with open(path, encoding="utf-8") as handle:
        criteria = json.load(handle)["criteria"]
    for position, item in enumerate(criteria, start=1):
        weight, max_points = int(item["weight"]), int(item["max_points"])
        if weight < 1 or max_points < 1:
            raise ValueError(f"rubric criterion {position} needs a positive weight and maximum")
        db.session.add(RubricCriterion(position=position, text_kk=item["text_kk"].strip(),
                                       text_ru=item["text_ru"].strip(), weight=weight, max_points=max_points))
    db.session.commit()
    return len(criteria)
