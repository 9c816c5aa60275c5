"""Loading reference data (regions, districts, MCI) from the files kept in bastau/data."""
from __future__ import annotations

import csv
from datetime import date

import sqlalchemy as sa

from .config import ROOT
from .extensions import db
from .models import District, MciRate, Region

DATA = ROOT / "bastau" / "data"
KATO_EDITION = "НК РК 11-2025 (17.07.2026)"


def region_code(district_code: str) -> str:
    """KATO: the first two digits name the region (or city of republican significance)."""
    return district_code[:2] + "0000000"


def load_districts(path=DATA / "kz_districts.csv") -> tuple[int, int]:
    """Insert or update every region and district by KATO code; ids of existing rows never change."""
    regions = {r.kato_code: r for r in db.session.scalars(sa.select(Region))}
    districts = {d.kato_code: d for d in db.session.scalars(sa.select(District))}
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
            district.name_kk, district.name_ru = row["district_kk"].strip(), row["district_ru"].strip()
            district.kato_edition = KATO_EDITION
    db.session.commit()
    return len(regions), len(districts)


def load_mci(path=DATA / "mci.csv") -> int:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        db.session.merge(MciRate(valid_from=date.fromisoformat(row["valid_from"]), amount=int(row["amount_tenge"])))
    db.session.commit()
    return len(rows)


def load_all() -> str:
    regions, districts = load_districts()
    rates = load_mci()
    questions = load_questions()
    criteria = load_rubric()
    return (f"{regions} regions, {districts} districts, {rates} MCI values, {questions} test questions, "
            f"{criteria} rubric criteria added")


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
