"""The plan-vs-actual dashboard: every column at every level on a small hand-made data set, the plan, the filters,
trainer results, the downloads, and who may see which area."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    Attendance,
    BusinessFollowUp,
    Certificate,
    CertificateKind,
    Cohort,
    DistrictPlan,
    LoanOutcome,
    LoanReferral,
    Mark,
    NationalPlan,
    RegionPlan,
    Role,
    Status,
    TrainingDay,
    User,
)
from tests.conftest import district, login

KARASAI, BALKASH, SAIRAM = "195200000", "193600000", "615200000"  # Алматы облысы ×2, Түркістан облысы
S = Status
YEAR = today().year


@pytest.fixture
def world(app, make_application):
    """The data set of this file; returns the ids the tests need."""
    ids = {}
    with app.app_context():
        for name, code in (("karasai", KARASAI), ("balkash", BALKASH), ("sairam", SAIRAM)):
            place = district(code)
            ids[name], ids[name + "_region"] = place.id, place.region_id
        staff = User(username="dash-maker", full_name="Палата Қызметкері", role=Role.CHAMBER_STAFF,
                     district_id=ids["karasai"], password_hash="x", must_change_password=False)
        trainers = [User(username=f"dash-t{n}", full_name=name, role=Role.TRAINER, password_hash="x",
                         district_id=ids["karasai" if n < 3 else "sairam"], must_change_password=False)
                    for n, name in ((1, "Әлиев Бақыт"), (2, "Бекова Дина"), (3, "Сапаров Ерлан"))]
        db.session.add_all([staff, *trainers])
        db.session.flush()
        cohorts = []
        for place, number, language, trainer in (("karasai", 1, "kk", trainers[0]), ("karasai", 2, "ru", trainers[1]),
                                                 ("sairam", 1, "kk", trainers[2])):
            group = Cohort(district_id=ids[place], programme_year=YEAR, number=number, language=language,
                           venue="Орталық", start_date=date(YEAR, 4, 1), training_days=25, capacity=20,
                           trainer_id=trainer.id, created_by_id=staff.id)
            db.session.add(group)
            cohorts.append(group)
        db.session.commit()
        ids.update(staff=staff.id, c1=cohorts[0].id, c2=cohorts[1].id, c3=cohorts[2].id,
                   t1=trainers[0].id, t2=trainers[1].id, t3=trainers[2].id)

    def person(code, status, cohort=None):
        return make_application(code, status=status, cohort_id=ids[cohort] if cohort else None)

    # Қарасай: before training
    for status in (S.SUBMITTED, S.SUBMITTED, S.TARGET_GROUP_CONFIRMED, S.NOT_TARGET_GROUP, S.TEST_FAILED,
                   S.TEST_PASSED, S.WITHDRAWN):
        person(KARASAI, status)
    # Қарасай, cohort 1 (kk)
    expelled = person(KARASAI, S.EXPELLED, "c1")
    in_training = person(KARASAI, S.IN_TRAINING, "c1")
    completed = person(KARASAI, S.TRAINING_COMPLETED, "c1")
    not_defended = person(KARASAI, S.NOT_DEFENDED, "c1")
    defended = person(KARASAI, S.DEFENDED, "c1")
    referred = person(KARASAI, S.REFERRED_FOR_FINANCING, "c1")
    approved = person(KARASAI, S.LOAN_APPROVED, "c1")
    # Қарасай, cohort 2 (ru)
    completed_ru = person(KARASAI, S.TRAINING_COMPLETED, "c2")
    # Балқаш: one application
    person(BALKASH, S.SUBMITTED)
    # Сайрам
    person(SAIRAM, S.SUBMITTED)
    sairam_trained = [person(SAIRAM, S.TRAINING_COMPLETED, "c3"), person(SAIRAM, S.TRAINING_COMPLETED, "c3")]
    sairam_defended = person(SAIRAM, S.DEFENDED, "c3")

    with app.app_context():
        staff_id = ids["staff"]
        serial = iter(range(1, 100))
        for application_id, kind, cohort in (
                (completed, CertificateKind.PARTICIPATION, "c1"), (not_defended, CertificateKind.PARTICIPATION, "c1"),
                (defended, CertificateKind.COMPLETION, "c1"), (referred, CertificateKind.COMPLETION, "c1"),
                (approved, CertificateKind.COMPLETION, "c1"), (completed_ru, CertificateKind.PARTICIPATION, "c2"),
                (sairam_trained[0], CertificateKind.PARTICIPATION, "c3"),
                (sairam_trained[1], CertificateKind.PARTICIPATION, "c3"),
                (sairam_defended, CertificateKind.COMPLETION, "c3")):
            db.session.add(Certificate(application_id=application_id, number=f"DASH-{next(serial)}", kind=kind,
                                       cohort_id=ids[cohort], language="kk", issued_on=date(YEAR, 6, 1),
                                       issued_by_id=staff_id))
        loan = dict(institution="damu", amount_requested=2_000_000, term_months=36, rate_percent=Decimal("6.00"),
                    referred_on=date(YEAR, 6, 10), referred_by_id=staff_id)
        db.session.add(LoanReferral(application_id=referred, **loan))
        # an earlier declined referral and the issued one: the person counts once, the money once
        db.session.add(LoanReferral(application_id=approved, outcome=LoanOutcome.DECLINED, **loan))
        db.session.add(LoanReferral(application_id=approved, outcome=LoanOutcome.ISSUED, approved_amount=1_500_000,
                                    issued_on=date(YEAR, 7, 1), issued_amount=1_500_000, **loan))
        for application_id, months, opened, jobs in (
                (defended, 6, False, 0), (defended, 12, True, 3),      # opened later: counts, 3 jobs
                (referred, 6, True, 4), (referred, 12, False, 0),      # closed by the 12-month check: does not count
                (approved, 6, True, 2)):                               # opened, 2 jobs
            db.session.add(BusinessFollowUp(application_id=application_id, months_after=months,
                                            business_opened=opened, opened_on=date(YEAR, 8, 1) if opened else None,
                                            jobs_created=jobs, recorded_by_id=staff_id))
        days = [TrainingDay(cohort_id=ids["c1"], day_number=n, date=date(YEAR, 4, n), module_number=n)
                for n in (1, 2)]
        db.session.add_all(days)
        db.session.flush()
        for day, application_id, mark in (
                (0, expelled, Mark.ABSENT), (0, in_training, Mark.PRESENT), (0, completed, Mark.PRESENT),
                (0, defended, Mark.EXCUSED), (1, expelled, Mark.ABSENT), (1, in_training, Mark.PRESENT),
                (1, completed, Mark.PRESENT), (1, defended, Mark.PRESENT)):
            db.session.add(Attendance(training_day_id=days[day].id, application_id=application_id, mark=mark,
                                      recorded_by_id=staff_id))
        db.session.add(NationalPlan(year=YEAR, people=10))
        db.session.add_all([RegionPlan(year=YEAR, region_id=ids["karasai_region"], people=5),
                            RegionPlan(year=YEAR, region_id=ids["sairam_region"], people=5),
                            DistrictPlan(year=YEAR, district_id=ids["karasai"], people=4),
                            DistrictPlan(year=YEAR, district_id=ids["balkash"], people=1),
                            DistrictPlan(year=YEAR, district_id=ids["sairam"], people=5)])
        db.session.commit()
    return ids


COLUMNS = ("applied", "confirmed", "test_passed", "enrolled", "expelled", "trained", "defended", "completion",
           "participation", "referred", "loans", "loan_sum", "opened", "jobs", "opened_share", "plan", "plan_percent")


def figures(*values) -> dict:
    return dict(zip(COLUMNS, values))


KARASAI_ROW = figures(15, 11, 9, 8, 1, 6, 3, 3, 3, 2, 1, 1_500_000, 2, 5, 33.3, 4, 150.0)
BALKASH_ROW = figures(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, 1, 0.0)
SAIRAM_ROW = figures(4, 3, 3, 3, 0, 3, 1, 1, 2, 0, 0, 0, 0, 0, 0.0, 5, 60.0)
ALMATY_TOTAL = figures(16, 11, 9, 8, 1, 6, 3, 3, 3, 2, 1, 1_500_000, 2, 5, 33.3, 5, 120.0)
TURKISTAN_TOTAL = {**SAIRAM_ROW}
NATIONAL_TOTAL = figures(20, 14, 12, 11, 1, 9, 4, 4, 5, 2, 1, 1_500_000, 2, 5, 22.2, 10, 90.0)


def number(text: str):
    """A figure as the page shows it (grouped, localised decimal comma, % or ₸) back as a number; — is None."""
    text = re.sub(r'<span class="visually-hidden">.*?</span>', "", text)
    text = re.sub(r"[\s\u00a0\u202f%₸▲]", "", re.sub(r"<[^>]+>", "", text))
    if text == "—":
        return None
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)


def row_of(html: str, row_id: str) -> dict:
    found = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row {row_id}"
    cells = re.findall(r'data-column="(\w+)">(.*?)</td>', found.group(1), re.S)
    return {column: number(value) for column, value in cells}


def row_class(html: str, row_id: str) -> str:
    return re.search(rf'<tr id="{row_id}" class="([^"]*)"', html).group(1)


def signed_in(client, make_user, role=Role.NATIONAL_ADMIN, code=KARASAI):
    login(client, make_user(role, code))
    return client


def test_national_level_every_column(client, make_user, world):
    signed_in(client, make_user)
    page = client.get(f"/dashboard?year={YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert row_of(html, f"row-{world['karasai_region']}") == ALMATY_TOTAL
    assert row_of(html, f"row-{world['sairam_region']}") == TURKISTAN_TOTAL
    assert row_of(html, "total") == NATIONAL_TOTAL
    # the over-100% region stands out by a class and a marker, not by colour alone
    assert "over-plan" in row_class(html, f"row-{world['karasai_region']}")
    assert "over-plan" not in row_class(html, f"row-{world['sairam_region']}")
    almaty = re.search(rf'<tr id="row-{world["karasai_region"]}".*?</tr>', html, re.S).group(0)
    assert "▲" in almaty and 'class="visually-hidden"' in almaty
    # the chart is inline SVG with a title and a description, and no style attributes anywhere
    assert re.search(r'<svg class="chart" viewBox="0 0 600 \d+"', html)
    assert "<title id=\"chart-title\">" in html and "<desc id=\"chart-desc\">" in html
    # apart from the shared loader and stylesheet the policy allows by hash (bastau/assets.py)
    own = re.sub(r"<script>.*?</script>|<style[^>]*>.*?</style>", "", html, flags=re.S)
    assert "style=" not in own and "<script" not in own
    # a bar per region, scaled to the largest of them (not to the country's total, which would shrink them all)
    assert html.count('<g class="chart-row') == len(re.findall(r'<tr id="row-\d+"', html))
    widths = [float(w) for w in re.findall(r'<rect class="(?:plan|bar[^"]*)" x="4" y="\d+" width="([\d.]+)"', html)]
    assert max(widths) == 592
    # a region without applications still has its row, all zero
    other = [key for key in re.findall(r'<tr id="row-(\d+)"', html)
             if int(key) not in (world["karasai_region"], world["sairam_region"])]
    assert other and row_of(html, f"row-{other[0]}")["applied"] == 0


def test_region_district_and_cohort_levels(client, make_user, world):
    signed_in(client, make_user)
    html = client.get(f"/dashboard/regions/{world['karasai_region']}").get_data(as_text=True)
    assert row_of(html, f"row-{world['karasai']}") == KARASAI_ROW
    assert row_of(html, f"row-{world['balkash']}") == BALKASH_ROW
    assert row_of(html, "total") == ALMATY_TOTAL
    assert "over-plan" in row_class(html, f"row-{world['karasai']}")
    assert f'href="/dashboard/districts/{world["karasai"]}?year={YEAR}"' in html

    html = client.get(f"/dashboard/districts/{world['karasai']}").get_data(as_text=True)
    assert row_of(html, f"row-{world['c1']}") == figures(7, 7, 7, 7, 1, 5, 3, 3, 2, 2, 1, 1_500_000, 2, 5, 40.0,
                                                          None, None)
    assert row_of(html, f"row-{world['c2']}") == figures(1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0.0, None, None)
    assert row_of(html, "row-0") == figures(7, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None)
    assert row_of(html, "total") == KARASAI_ROW
    assert f'href="/dashboard/cohorts/{world["c1"]}"' in html

    html = client.get(f"/dashboard/cohorts/{world['c1']}").get_data(as_text=True)
    shown = {column: number(value) for column, value in re.findall(r'data-column="(\w+)">(.*?)</td>', html, re.S)}
    assert shown == figures(7, 7, 7, 7, 1, 5, 3, 3, 2, 2, 1, 1_500_000, 2, 5)
    assert number(re.search(r'id="attendance">(.*?)<', html).group(1)) == 62.5  # 5 present of 8 marks
    assert number(re.search(r'id="opened-share">(.*?)<', html).group(1)) == 40.0


def test_filters_narrow_the_training_figures_only(client, make_user, world):
    signed_in(client, make_user)
    html = client.get(f"/dashboard?year={YEAR}&language=ru").get_data(as_text=True)
    total = row_of(html, "total")
    assert (total["applied"], total["confirmed"], total["test_passed"]) == (20, 14, 12)  # not narrowed
    assert (total["enrolled"], total["trained"], total["participation"], total["completion"]) == (1, 1, 1, 0)
    assert (total["loans"], total["loan_sum"], total["opened"]) == (0, 0, 0)
    assert total["plan_percent"] == 10.0
    assert 'id="narrowed"' in html

    html = client.get(f"/dashboard/districts/{world['karasai']}?cohort=1").get_data(as_text=True)
    assert f'id="row-{world["c2"]}"' not in html
    total = row_of(html, "total")
    assert total["applied"] == 15 and total["enrolled"] == 7 and total["trained"] == 5 and total["defended"] == 3
    html = client.get("/dashboard?cohort=1&language=kk").get_data(as_text=True)
    assert row_of(html, "total")["trained"] == 8
    # another year has nothing; a year out of range falls back to this year
    assert row_of(client.get("/dashboard?year=2017").get_data(as_text=True), "total")["applied"] == 0
    assert row_of(client.get("/dashboard?year=1999").get_data(as_text=True), "total")["applied"] == 20


def test_trainer_results(client, make_user, world):
    signed_in(client, make_user)
    html = client.get("/dashboard/trainers").get_data(as_text=True)
    assert row_of(html, f"trainer-{world['t1']}") == {"cohorts": 1, "participants": 7, "completion": 71.4,
                                                      "defence": 60.0, "attendance": 62.5}
    assert row_of(html, f"trainer-{world['t2']}") == {"cohorts": 1, "participants": 1, "completion": 100.0,
                                                      "defence": 0.0, "attendance": None}
    assert row_of(html, f"trainer-{world['t3']}") == {"cohorts": 1, "participants": 3, "completion": 100.0,
                                                      "defence": 33.3, "attendance": None}
    html = client.get(f"/dashboard/districts/{world['sairam']}/trainers").get_data(as_text=True)
    assert f"trainer-{world['t3']}" in html and f"trainer-{world['t1']}" not in html
    html = client.get(f"/dashboard/regions/{world['karasai_region']}/trainers?language=ru").get_data(as_text=True)
    assert f"trainer-{world['t2']}" in html and f"trainer-{world['t1']}" not in html


def test_downloads_read_back(client, make_user, world):
    signed_in(client, make_user)
    response = client.get(f"/dashboard?year={YEAR}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''" in disposition
    assert "bastau" in disposition.split("filename=")[1].split(";")[0]  # the plain-ASCII fallback name
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(table[0]) == len(COLUMNS) + 1
    last = table[-1]
    assert [int(v) for v in last[1:15]] == [NATIONAL_TOTAL[c] for c in COLUMNS[:14]]
    # decimals with a comma beside ";" (a Russian-locale Excel reads 22.2 as a date, 22,2 as a number)
    assert (last[15], last[16], last[17]) == ("22,2", "10", "90,0")

    response = client.get(f"/dashboard/regions/{world['karasai_region']}?format=xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Алматы облысы") and str(YEAR) in rows[0][0]  # the title row: place, table, year
    assert len(rows[1]) == len(COLUMNS) + 1 and all(isinstance(h, str) and h for h in rows[1])
    karasai = next(r for r in rows if r[0] and "Қарасай" in r[0])
    assert list(karasai[1:]) == [KARASAI_ROW[c] for c in COLUMNS]

    # headers follow the user's language
    client.set_cookie("lang", "ru")
    ru = list(csv.reader(io.StringIO(client.get("/dashboard?format=csv").get_data().decode()[1:]), delimiter=";"))
    assert any("Алматинская" in r[0] for r in ru[1:])

    sheet = load_workbook(io.BytesIO(client.get("/dashboard/trainers?format=xlsx").get_data())).active
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["Әлиев Бақыт"] == (1, 7, 71.4, 60.0, 62.5)
    cohort = load_workbook(io.BytesIO(client.get(f"/dashboard/cohorts/{world['c1']}?format=xlsx").get_data())).active
    assert list(cohort.iter_rows(values_only=True))[2][-1] == 62.5


def test_cells_that_look_like_formulas_are_defused(app, client, make_user, world):
    from bastau.dashboard.export import as_csv, as_xlsx
    with app.test_request_context():
        assert "'=1+2" in as_csv(["a"], [["=1+2"]]).decode()
        sheet = load_workbook(io.BytesIO(as_xlsx(["a"], [["=1+2"]], "x"))).active
    assert sheet["A3"].value == "=1+2" and sheet["A3"].data_type == "s"


def test_who_sees_which_area(client, app, make_user, world):
    signed_in(client, make_user, Role.CHAMBER_STAFF)
    start = client.get(f"/dashboard?year={YEAR}")
    assert start.status_code == 302 and start.location.startswith(f"/dashboard/districts/{world['karasai']}")
    html = client.get(start.location).get_data(as_text=True)
    assert row_of(html, "total") == KARASAI_ROW
    assert client.get(f"/dashboard/districts/{world['sairam']}").status_code == 404
    assert client.get(f"/dashboard/cohorts/{world['c3']}").status_code == 404
    assert client.get(f"/dashboard/districts/{world['sairam']}/trainers").status_code == 404
    assert client.get(f"/dashboard/regions/{world['karasai_region']}").status_code == 403
    assert client.get(f"/dashboard/districts/{world['sairam']}?format=csv").status_code == 404

    regional = app.test_client()
    signed_in(regional, make_user, Role.REGIONAL_ADMIN)
    start = regional.get("/dashboard")
    assert start.status_code == 302 and f"/dashboard/regions/{world['karasai_region']}" in start.location
    assert regional.get(f"/dashboard/districts/{world['balkash']}").status_code == 200
    assert regional.get(f"/dashboard/regions/{world['sairam_region']}").status_code == 404
    assert regional.get(f"/dashboard/districts/{world['sairam']}").status_code == 404
    assert regional.get("/dashboard/trainers").status_code == 302

    for role in (Role.OPERATOR, Role.CENTRE_OFFICER, Role.TRAINER, Role.COMMISSION):
        other = app.test_client()
        login(other, make_user(role, KARASAI, username=f"dash-{role.value}"))
        assert other.get("/dashboard").status_code == 403
        assert other.get(f"/dashboard/districts/{world['karasai']}").status_code == 403


def test_pages_in_russian_show_russian_names(client, make_user, world):
    signed_in(client, make_user)
    client.set_cookie("lang", "ru")
    html = client.get(f"/dashboard/regions/{world['karasai_region']}").get_data(as_text=True)
    assert "Карасайский район" in html and '<html lang="ru">' in html
    assert row_of(html, "total") == ALMATY_TOTAL


def test_sql_statements_do_not_grow_with_rows(app, client, make_user, world):
    """One grouped query per level (plus the plan and the names), however many rows."""
    signed_in(client, make_user)
    statements = []

    def count(*args):
        statements.append(1)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/dashboard")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 12, len(statements)
