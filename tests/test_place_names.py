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


CITY = {"kk": ("Абай облысы", "Семей қаласы"), "ru": ("область Абай", "город Семей")}
VIEWPORTS = {"360": {"width": 360, "height": 640}, "1280": {"width": 1280, "height": 800}}


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_citizen_picks_and_reads_the_city_name_in_a_browser(live_server, browser, locale, width):
    """The dropdown and the receipt say «Семей қаласы» / «город Семей»; pictures in /tmp/shots/glossary."""
    import os

    from tests.conftest import new_iin, translated
    from tests.journey import fill_application
    shots = Path(os.environ.get("BASTAU_GLOSSARY_SHOTS", "/tmp/shots/glossary"))
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[width])
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/apply")
    region, city = CITY[locale]
    page.wait_for_load_state()
    page.select_option("#region", label=region)
    page.wait_for_selector(f"#district option:text('{city}')", state="attached")
    options = page.eval_on_selector_all("#district option", "os => os.map(o => o.textContent)")
    assert city in options and not any("Қ.Ә." in o or "Г.А." in o for o in options)
    page.select_option("#district", label=city)
    page.eval_on_selector("#district", "s => s.size = 8")  # open the list for the picture
    page.locator("#district").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"district-dropdown-{locale}-{width}.png"))
    page.eval_on_selector("#district", "s => s.size = 0")
    fill_application(page, new_iin(), locale=locale)
    page.select_option("#region", label=region)
    page.wait_for_selector(f"#district option:text('{city}')", state="attached")
    page.select_option("#district", label=city)
    page.click("#continue")
    page.wait_for_url("**/apply/check")
    page.click(f"text={translated('Send the application', locale)}")
    page.wait_for_url("**/apply/done")
    assert city in page.inner_text("main")
    page.screenshot(path=str(shots / f"receipt-{locale}-{width}.png"), full_page=True)
    context.close()
