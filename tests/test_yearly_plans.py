"""Yearly plans (issue 6): the add-up rule, the national and regional pages, the XLSX template."""
from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from bastau import rules
from bastau.clock import today
from bastau.extensions import db
from bastau.models import AuditEntry, District, DistrictPlan, NationalPlan, Region, RegionPlan, Role
from tests.conftest import csrf_token, district, login, page_text, translated

OWN, OTHER = "195200000", "615200000"  # Қарасай (Алматы облысы), Сайрам (Түркістан облысы)
YEAR = today().year


# ---- The rules ----

@pytest.mark.parametrize("raw, people", [
    ("0", 0), ("15000", 15000), ("1 500", 1500), ("1\u00a0500", 1500), ("1\u202f500", 1500), (" 12 ", 12),
    ("1,500", 1500), ("1,000,000", 1_000_000),
    ("", None), ("-5", None), ("1.5", None), ("1,5", None), ("15,00", None), ("abc", None), ("+3", None),
    ("1 000 001", None), ("٣", None), ("１２", None),
])
def test_plan_numbers_are_whole_and_not_negative(raw, people):
    assert rules.parse_plan_people(raw) == people


@pytest.mark.parametrize("total, parts, adds_up, difference", [
    (15000, [10000, 5000], True, 0),
    (15000, [10000, 4800], False, -200),
    (15000, [10000, 5200], False, 200),
    (0, [], True, 0),
    (0, [0, 0], True, 0),
    (5, [], False, -5),
    (1200, [400, 400, 400], True, 0),
])
def test_plan_parts_add_up(total, parts, adds_up, difference):
    assert rules.plan_parts_add_up(total, parts) is adds_up
    assert rules.plan_difference(total, parts) == difference


# ---- Helpers ----

def _regions(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(r.id, r.kato_code) for r in db.session.scalars(sa.select(Region).order_by(Region.id))]


def _districts(app, code: str = OWN) -> tuple[int, list[tuple[int, str]]]:
    with app.app_context():
        region_id = district(code).region_id
        return region_id, [(d.id, d.kato_code) for d in db.session.scalars(
            sa.select(District).where(District.region_id == region_id).order_by(District.id))]


def _split(total: int, ids: list[int], prefix: str) -> dict:
    """`total` split over the rows: all but the last get an equal share, the last the rest."""
    share = total // len(ids)
    values = {f"{prefix}-{i}": str(share) for i in ids[:-1]}
    values[f"{prefix}-{ids[-1]}"] = str(total - share * (len(ids) - 1))
    return values


def _signed_in(app, make_user, role: Role, code: str = OWN):
    client = app.test_client()
    login(client, make_user(role, code))
    return client


def _post(client, url: str, data: dict, page: str, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)}, **kwargs)


def _set_region_plan(app, region_id: int, people: int, year: int = YEAR) -> None:
    with app.app_context():
        db.session.add(NationalPlan(year=year, people=people))
        db.session.add(RegionPlan(year=year, region_id=region_id, people=people))
        db.session.commit()


# ---- National administrators ----

def test_national_admin_sets_plans_that_add_up(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    page = client.get(f"/yearly-plans/?year={YEAR}")
    assert page.status_code == 200 and 'name="national"' in page_text(page)
    ids = [i for i, _ in _regions(app)]
    data = {"national": "15 000", **_split(15000, ids, "region")}
    response = _post(client, f"/yearly-plans/{YEAR}", data, f"/yearly-plans/?year={YEAR}")
    assert response.status_code == 302, page_text(response)[:2000]
    assert store.scalar(sa.select(NationalPlan.people).where(NationalPlan.year == YEAR)) == 15000
    assert store.scalar(sa.select(sa.func.sum(RegionPlan.people)).where(RegionPlan.year == YEAR)) == 15000
    assert store.count(AuditEntry, AuditEntry.action == "plan_set") == len(ids) + 1
    notes = store.scalars(sa.select(AuditEntry.note).where(AuditEntry.action == "plan_set"))
    assert f"{YEAR} Қазақстан Республикасы: 15,000" in notes

    # Saving the same numbers again changes nothing and logs nothing.
    again = _post(client, f"/yearly-plans/{YEAR}", data, f"/yearly-plans/?year={YEAR}")
    assert again.status_code == 302
    assert store.count(AuditEntry, AuditEntry.action == "plan_set") == len(ids) + 1

    from bastau.dashboard.plan_services import plan_for_year
    with app.app_context():
        plan = plan_for_year(YEAR)
    assert plan["national"] == 15000 and sum(plan["regions"].values()) == 15000 and plan["districts"] == {}


def test_plans_that_do_not_add_up_are_refused_and_kept(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    ids = [i for i, _ in _regions(app)]
    data = {"national": "15000", **_split(14800, ids, "region")}
    response = _post(client, f"/yearly-plans/{YEAR}", data, f"/yearly-plans/?year={YEAR}")
    text = page_text(response)
    assert response.status_code == 422
    plain = re.sub(r"[\s\u00a0\u202f,]", "", text)  # numbers are grouped the page language's way
    assert "14800" in plain and "15000" in plain and "200" in plain  # the sum, the plan and the difference
    assert f'value="{data[f"region-{ids[1]}"]}"' in text  # what was typed is kept
    assert store.count(NationalPlan) == 0 and store.count(RegionPlan) == 0 and store.count(AuditEntry) == 0


def test_the_national_plan_comes_first_and_numbers_must_be_whole(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    ids = [i for i, _ in _regions(app)]
    empty = _post(client, f"/yearly-plans/{YEAR}", {"national": "", **_split(100, ids, "region")},
                  f"/yearly-plans/?year={YEAR}")
    assert empty.status_code == 422 and translated(
        "Enter the national plan first: the regions' plans must add up to it.", "kk") in html.unescape(page_text(empty))
    bad = _post(client, f"/yearly-plans/{YEAR}", {"national": "100", **_split(100, ids, "region"),
                                                  f"region-{ids[0]}": "-3"}, f"/yearly-plans/?year={YEAR}")
    assert bad.status_code == 422 and 'value="-3"' in page_text(bad) and 'aria-invalid="true"' in page_text(bad)
    assert store.count(NationalPlan) == 0 and store.count(RegionPlan) == 0


def test_years_outside_the_programme_are_not_found(app, make_user):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    assert client.get("/yearly-plans/2016/template.xlsx").status_code == 404
    assert client.get(f"/yearly-plans/{YEAR + 2}/template.xlsx").status_code == 404
    assert client.get("/yearly-plans/2017/template.xlsx").status_code == 200


# ---- Regional administrators ----

def test_regional_admin_sets_district_plans_of_own_region(app, make_user, store):
    region_id, districts = _districts(app)
    _set_region_plan(app, region_id, 1200)
    client = _signed_in(app, make_user, Role.REGIONAL_ADMIN)
    assert client.get("/yearly-plans/").status_code == 302
    url = f"/yearly-plans/{YEAR}/regions/{region_id}"
    ids = [i for i, _ in districts]
    short = _post(client, url, _split(1100, ids, "district"), url)
    assert short.status_code == 422 and "100" in re.sub(r"[\s\u00a0\u202f,]", "", page_text(short))
    assert store.count(DistrictPlan) == 0
    saved = _post(client, url, _split(1200, ids, "district"), url)
    assert saved.status_code == 302
    assert store.scalar(sa.select(sa.func.sum(DistrictPlan.people))) == 1200
    assert store.count(AuditEntry, AuditEntry.action == "plan_set") == len(ids)


def test_district_plans_need_the_region_plan(app, make_user, store):
    region_id, districts = _districts(app)
    client = _signed_in(app, make_user, Role.REGIONAL_ADMIN)
    url = f"/yearly-plans/{YEAR}/regions/{region_id}"
    response = _post(client, url, _split(0, [i for i, _ in districts], "district"), url)
    assert response.status_code == 422
    assert store.count(DistrictPlan) == 0


def test_regional_admin_cannot_reach_another_region(app, make_user, store):
    other_region, other_districts = _districts(app, OTHER)
    _set_region_plan(app, other_region, 10)
    client = _signed_in(app, make_user, Role.REGIONAL_ADMIN)
    url = f"/yearly-plans/{YEAR}/regions/{other_region}"
    assert client.get(url).status_code == 404
    assert client.get(url + "/template.xlsx").status_code == 404
    token = csrf_token(client, "/staff/password")
    posted = client.post(url, data={"csrf_token": token, **_split(10, [i for i, _ in other_districts], "district")})
    assert posted.status_code == 404 and store.count(DistrictPlan) == 0
    assert client.post(f"/yearly-plans/{YEAR}", data={"csrf_token": token, "national": "5"}).status_code == 403
    assert client.get(f"/yearly-plans/{YEAR}/template.xlsx").status_code == 403


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CENTRE_OFFICER, Role.TRAINER])
def test_other_roles_are_refused(app, make_user, role):
    client = _signed_in(app, make_user, role)
    assert client.get("/yearly-plans/").status_code == 403


# ---- The XLSX template ----

def _sheet(response) -> list[tuple]:
    assert response.status_code == 200, page_text(response)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data), read_only=True, data_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _headers(app, locale: str = "kk") -> tuple:
    from flask_babel import force_locale

    from bastau.dashboard.plan_services import HEADERS
    with app.test_request_context(), force_locale(locale):
        return tuple(str(h) for h in HEADERS)


def _xlsx(rows: list[tuple]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, url: str, page: str, data: bytes, name: str = "plan.xlsx"):
    return client.post(url, data={"csrf_token": csrf_token(client, page), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_national_template_downloads_and_uploads_back(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    rows = _sheet(client.get(f"/yearly-plans/{YEAR}/template.xlsx"))
    assert rows[0] == _headers(app)
    assert rows[1][0] == "KZ" and rows[1][2] is None
    codes = {code for _, code in _regions(app)}
    assert {row[0] for row in rows[2:]} == codes
    filled = [rows[0], ("KZ", rows[1][1], 2000)]
    per_region = 2000 // len(codes)
    for index, row in enumerate(rows[2:]):
        filled.append((row[0], row[1], per_region if index else 2000 - per_region * (len(codes) - 1)))
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", _xlsx(filled))
    assert response.status_code == 302, page_text(response)[:3000]
    assert store.scalar(sa.select(NationalPlan.people)) == 2000
    assert store.scalar(sa.select(sa.func.sum(RegionPlan.people))) == 2000
    again = _sheet(client.get(f"/yearly-plans/{YEAR}/template.xlsx"))
    assert again[1][2] == 2000 and sum(row[2] for row in again[2:]) == 2000


def test_a_bad_row_is_reported_and_nothing_saved(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    rows = _sheet(client.get(f"/yearly-plans/{YEAR}/template.xlsx"))
    filled = [rows[0], ("KZ", "", 100)] + [(row[0], row[1], 0) for row in rows[2:]]
    filled[2] = (filled[2][0], filled[2][1], "сто")
    filled.append(("999999999", "?", 5))
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", _xlsx(filled))
    text = page_text(response)
    assert response.status_code == 422
    assert "сто" in text  # the bad value is quoted back on its row
    assert "999999999" in text  # the unknown code is reported too
    assert store.count(NationalPlan) == 0 and store.count(RegionPlan) == 0


def test_an_upload_that_does_not_add_up_is_refused(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    rows = _sheet(client.get(f"/yearly-plans/{YEAR}/template.xlsx"))
    filled = [rows[0], ("KZ", "", 100)] + [(row[0], row[1], 1) for row in rows[2:]]
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", _xlsx(filled))
    assert response.status_code == 422
    assert store.count(NationalPlan) == 0


@pytest.mark.parametrize("data", [b"KATO;Name;Plan\r\n190000000;x;5\r\n", b"%PDF-1.4\n%%EOF\n", b""])
def test_a_file_that_is_not_xlsx_is_refused(app, make_user, store, data):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", data)
    assert response.status_code == 422
    assert store.count(NationalPlan) == 0


def test_a_zip_that_is_not_a_workbook_is_refused(app, make_user, store):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", buffer.getvalue())
    refusal = translated(
        "This is not an Excel workbook (.xlsx): download the template, fill it in and upload it.", "kk")
    assert response.status_code == 422 and refusal in html.unescape(page_text(response))


def test_a_file_over_1_mb_is_refused(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", b"0" * (1100 * 1024))
    assert response.status_code in (413, 422)


def test_region_template_round_trip(app, make_user, store):
    region_id, districts = _districts(app)
    _set_region_plan(app, region_id, 300)
    client = _signed_in(app, make_user, Role.REGIONAL_ADMIN)
    url = f"/yearly-plans/{YEAR}/regions/{region_id}"
    rows = _sheet(client.get(url + "/template.xlsx"))
    assert rows[0] == _headers(app)
    assert {row[0] for row in rows[1:]} == {code for _, code in districts}
    filled = [rows[0]] + [(row[0], row[1], "300" if index == 0 else 0) for index, row in enumerate(rows[1:])]
    response = _upload(client, url + "/upload", url, _xlsx(filled))
    assert response.status_code == 302, page_text(response)[:3000]
    assert store.scalar(sa.select(sa.func.sum(DistrictPlan.people))) == 300
    other_region, _ = _districts(app, OTHER)
    other = _upload(client, f"/yearly-plans/{YEAR}/regions/{other_region}/upload", url, _xlsx(filled))
    assert other.status_code == 404


def test_template_names_follow_the_page_language(app, make_user):
    region_id, districts = _districts(app)
    client = _signed_in(app, make_user, Role.REGIONAL_ADMIN)
    client.set_cookie("lang", "ru")
    rows = _sheet(client.get(f"/yearly-plans/{YEAR}/regions/{region_id}/template.xlsx"))
    with app.app_context():
        names_ru = {d.name_ru for d in db.session.scalars(sa.select(District).where(District.region_id == region_id))}
    assert rows[0] == _headers(app, "ru") and {row[1] for row in rows[1:]} == names_ru
