"""Downloads open right in a Kazakh- or Russian-locale Excel: the shared rules (bastau/exports.py) and the
files each page sends, opened with the csv module and openpyxl."""
from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bastau import exports
from bastau.models import ApplicantList, Application, Role, Status
from tests.conftest import login, post_form


def _table(**kw):
    return exports.Table(title="Қарасай ауданы: тест", headers=["№", "Аты", "Туған күні", "Телефон", "Үлесі"],
                         rows=[[1, "=HYPERLINK(\"x\")", date(1990, 3, 12), exports.Phone("+77011234567"), 22.25],
                               [2, "-жоқ", None, exports.Phone("+77770001122"), 90.0]], **kw)


def test_csv_for_a_russian_locale_excel():
    data = exports.as_csv(_table())
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["№", "Аты", "Туған күні", "Телефон", "Үлесі"]
    assert rows[1] == ["1", "'=HYPERLINK(\"x\")", "12.03.1990", "8 701 123 45 67", "22,2"]
    assert rows[2] == ["2", "'-жоқ", "", "8 777 000 11 22", "90,0"]
    assert not any(cell.startswith("'") for row in rows for cell in row[2:])  # no apostrophe on phones


def test_xlsx_has_a_title_real_numbers_and_dates():
    sheet = load_workbook(io.BytesIO(exports.as_xlsx(_table()))).active
    assert sheet["A1"].value == "Қарасай ауданы: тест" and sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == ["№", "Аты", "Туған күні", "Телефон", "Үлесі"]
    number, name, born, phone, share = sheet[3]
    assert number.value == 1 and number.data_type == "n" and number.number_format == "0"
    assert name.value == "=HYPERLINK(\"x\")" and name.data_type == "s"  # text: never run
    assert born.is_date and born.value.date() == date(1990, 3, 12) and born.number_format == "DD.MM.YYYY"
    assert phone.value == "+7 701 123 45 67" and phone.data_type == "s"
    assert share.value == 22.25 and share.data_type == "n" and share.number_format == "0.0"
    assert sheet.freeze_panes == "A3"


@pytest.mark.parametrize("parts, name", [
    (["Қарасай ауданы", "тізім №1-2026, 2-нұсқа", "01.12.2026"], "Қарасай ауданы — тізім №1-2026, 2-нұсқа — 01.12.2026.xlsx"),
    (['a/b\\c"d', "e\r\nf"], "a-b-c-d — e-f.xlsx"),
    ([], "bastau.xlsx"),
])
def test_file_names_a_person_understands(parts, name):
    assert exports.file_name(*parts, extension="xlsx") == name


def test_content_disposition_has_the_utf8_name_and_an_ascii_fallback():
    header = exports.content_disposition("Қарасай ауданы — тізім.xlsx", "bastau-list-1.xlsx")
    assert header.startswith('attachment; filename="bastau-list-1.xlsx"; filename*=UTF-8\'\'')
    assert unquote(header.split("''", 1)[1]) == "Қарасай ауданы — тізім.xlsx"
    assert "\n" not in header and '"' not in header.split("filename*=")[1]


@pytest.fixture
def sent_list(app, make_user, make_application, store):
    centre = app.test_client()
    login(centre, make_user(Role.CENTRE_OFFICER))
    ids = [make_application(surname=s, status=Status.TARGET_GROUP_CONFIRMED) for s in ("Әлиева", "Бекұлы")]
    post_form(centre, "/centre/lists/new", {"application": [str(i) for i in ids]})
    return centre, store.scalar(sa.select(ApplicantList.id))


@pytest.mark.parametrize("locale, district, word", [("kk", "Қарасай", "тізім"), ("ru", "Карасай", "список")])
def test_the_list_xlsx(sent_list, store, locale, district, word):
    centre, list_id = sent_list
    centre.set_cookie("lang", locale)
    response = centre.get(f"/lists/{list_id}.xlsx")
    disposition = response.headers["Content-Disposition"]
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.startswith(district) and word in name and name.endswith(".xlsx") and "195200000" not in name
    sheet = load_workbook(io.BytesIO(response.data)).active
    title = sheet["A1"].value
    assert district in title and "№1/" in title and "1" in title
    first = sheet[3]
    assert first[0].value == 1 and first[0].data_type == "n"  # № is a number
    person = store.scalar(sa.select(Application).where(Application.surname == first[2].value))
    assert first[6].is_date and first[6].value.date() == person.birth_date  # a date, not text
    assert first[5].data_type == "s" and first[5].value == person.iin  # the IIN stays text (leading zeros)
    assert first[7].data_type == "s" and first[7].value == "+7 701 123 45 67"


def test_the_list_csv(sent_list):
    centre, list_id = sent_list
    response = centre.get(f"/lists/{list_id}.csv")
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "1" and rows[1][7] == "8 701 123 45 67"
    day, month, year = rows[1][6].split(".")
    assert len(day) == 2 and len(month) == 2 and len(year) == 4
