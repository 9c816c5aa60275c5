"""Citizens read place names as they say them («Семей қаласы» / «город Семей»); staff keep the KATO name
(«Семей Қ.Ә.» / «Семей Г.А.»), and the reference file has no letters or abbreviations of the other language."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau.extensions import db
from bastau.models import District, citizen_place_name
from bastau.reference import load_districts
from tests.conftest import district, page_text
from tests.journey import RU, apply

SEMEY = "101000000"
DISTRICTS_CSV = Path(__file__).resolve().parent.parent / "bastau" / "data" / "kz_districts.csv"


@pytest.mark.parametrize("kato, spoken", [
    ("Семей Қ.Ә.", "Семей қаласы"), ("Семей Г.А.", "город Семей"), ("Алматы қ.", "Алматы қаласы"),
    ("г. Алматы", "город Алматы"), ("Усть-Каменогорск Г.А.", "город Усть-Каменогорск"),
    ("Қарасай ауданы", "Қарасай ауданы"), ("Карасайский район", "Карасайский район"),
])
def test_kato_abbreviations_become_words_a_villager_reads(kato, spoken):
    assert citizen_place_name(kato) == spoken


@pytest.mark.parametrize("headers, spoken, kato", [({}, "Семей қаласы", "Семей Қ.Ә."), (RU, "город Семей", "Семей Г.А.")])
def test_district_dropdown_and_receipt_speak_to_the_citizen(client, app, headers, spoken, kato):
    with app.app_context():
        semey = district(SEMEY)
        region_id, district_id = semey.region_id, semey.id
    dropdown = page_text(client.get(f"/apply/districts?region={region_id}", headers={"HX-Request": "true", **headers}))
    assert spoken in dropdown and kato not in dropdown
    receipt = page_text(apply(client, app, headers=headers, region=str(region_id), district=str(district_id)))
    assert spoken in receipt and kato not in receipt


def test_staff_keep_the_kato_name(app):
    with app.test_request_context(headers=RU):
        assert district(SEMEY).name == "Семей Г.А."
        assert district(SEMEY).citizen_name == "город Семей"


def test_reference_file_has_no_letters_or_abbreviations_of_the_other_language():
    with open(DISTRICTS_CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    russian = " ".join(row["district_ru"] + " " + row["region_ru"] for row in rows)
    kazakh = " ".join(row["district_kk"] for row in rows)
    assert "Қонаев" not in russian and "Конаев Г.А." in russian
    assert "Г.А." not in kazakh and "Ақтау Қ.Ә." in kazakh
    assert "г.Алматы" not in russian and "им.Г" not in russian and "г. Алматы" in russian


def test_reloading_reference_data_fixes_an_existing_database(app):
    with app.app_context():
        konaev = db.session.scalar(sa.select(District).where(District.kato_code == "191000000"))
        konaev.name_ru = "Қонаев Г.А."
        db.session.commit()
        load_districts()
        assert db.session.get(District, konaev.id).name_ru == "Конаев Г.А."
