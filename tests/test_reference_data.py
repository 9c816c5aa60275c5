"""Reference data that never runs out: the MCI per year, public holidays and transferred days, lenders, districts
that close or are renamed, kept by national administrators on screens with audit entries."""
from __future__ import annotations

import html
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bastau import calendar, rules
from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    Application,
    AuditEntry,
    CalendarDay,
    DayKind,
    District,
    DistrictName,
    Lender,
    LoanReferral,
    MciRate,
    Role,
    Status,
    TrainingDay,
)
from bastau.reference import HOLIDAYS_MISSING, MCI_MISSING, NO_LENDER, ReferenceGap, load_all, reference_gaps
from tests.conftest import application_data, district, login, page_text, post_form, translated

REFERENCE_TABLES = ("mci_rate", "calendar_day", "lender", "district_name")
CLOSING = "193600000"   # Балқаш ауданы (Алматы облысы)
RENAMING = "194200000"  # Жамбыл ауданы (Алматы облысы)


def body(response) -> str:
    return html.unescape(page_text(response))


@pytest.fixture
def keep_reference(app):
    """The reference tables are loaded once per test session: whatever a test changes is put back."""
    with app.app_context(), db.engine.connect() as conn:
        tables = {name: db.metadata.tables[name] for name in REFERENCE_TABLES}
        saved = {name: [dict(row._mapping) for row in conn.execute(table.select())] for name, table in tables.items()}
        columns = District.__table__.c
        places = {row.id: row for row in conn.execute(sa.select(columns.id, columns.name_kk, columns.name_ru,
                                                                 columns.closed_from))}
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for name in reversed(REFERENCE_TABLES):
                conn.execute(tables[name].delete())
            for name in REFERENCE_TABLES:
                if saved[name]:
                    conn.execute(tables[name].insert(), saved[name])
            for row in conn.execute(sa.select(columns.id, columns.name_kk, columns.name_ru, columns.closed_from)):
                if row != places[row.id]:
                    before = places[row.id]
                    conn.execute(sa.update(District.__table__).where(columns.id == row.id).values(
                        name_kk=before.name_kk, name_ru=before.name_ru, closed_from=before.closed_from))


@pytest.fixture
def admin(app, make_user):
    client = app.test_client()
    client.user = make_user(Role.NATIONAL_ADMIN)
    login(client, client.user)
    return client


def audited(store, action: str) -> list[str]:
    return [e.note for e in store.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                          .order_by(AuditEntry.id))]


def place_of(app, code: str) -> tuple[int, int]:
    with app.app_context():
        found = district(code)
        return found.id, found.region_id


# ---- The screens, in both languages, for national administrators only ----

def screens(app) -> list[str]:
    district_id, region_id = place_of(app, RENAMING)
    return ["/admin/reference", "/admin/reference/mci", "/admin/reference/mci/new",
            "/admin/reference/mci/2026-01-01", f"/admin/reference/calendar/{today().year}",
            f"/admin/reference/calendar/{today().year}/new", "/admin/reference/calendar/day/2026-03-08",
            "/admin/reference/lenders", "/admin/reference/lenders/new", "/admin/reference/lenders/damu",
            f"/admin/reference/districts?region={region_id}", f"/admin/reference/districts/{district_id}"]


TITLES = ["Reference data", "MCI by year", "New MCI rate", "Change the MCI", "Public holidays of %(year)s",
          "New day in the calendar", "Change a day of the calendar", "Lenders", "New lender", "Change the lender",
          "Districts: closing and renaming", "Renaming"]


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_screen_in_both_languages(app, admin, locale):
    admin.set_cookie("lang", locale)
    for url, title in zip(screens(app), TITLES, strict=True):
        response = admin.get(url)
        assert response.status_code == 200, (url, response.status_code)
        text = body(response)
        assert translated(title, locale, **({"year": today().year} if "%(year)s" in title else {})) in text, url
    desk = body(admin.get("/staff/"))
    assert "/admin/reference" in desk and translated("Reference data", locale) in desk


@pytest.mark.parametrize("role", [r for r in Role if r != Role.NATIONAL_ADMIN])
def test_other_roles_are_refused(app, make_user, role):
    client = app.test_client()
    login(client, make_user(role))
    for url in screens(app):
        assert client.get(url).status_code == 403, (role, url)
    assert post_form(client, "/admin/reference/mci/new", {"valid_from": "2027-01-01", "amount": "5000",
                                                          "law": "x"}, page="/staff/password").status_code == 403


# ---- MCI ----

def test_mci_added_changed_audited_and_kept_by_a_reload(app, admin, store, keep_reference):
    response = post_form(admin, "/admin/reference/mci/new", {"valid_from": "01.01.2027", "amount": "4 500",
                                                             "law": "Закон о республиканском бюджете на 2027-2029"})
    assert response.status_code == 302, body(response)[:2000]
    response = post_form(admin, "/admin/reference/mci/2026-01-01", {"valid_from": "2026-01-01", "amount": "4400",
                                                                    "law": "Поправка 2026"})
    assert response.status_code == 302
    assert audited(store, "mci_added") == ["2027-01-01 4500 KZT (Закон о республиканском бюджете на 2027-2029)"]
    assert audited(store, "mci_changed")[0].startswith("2026-01-01 4325 KZT")
    with app.app_context():
        load_all()
        assert MciRate.on(date(2027, 6, 1)).amount == 4500
        assert (MciRate.on(date(2026, 6, 1)).amount, MciRate.on(date(2026, 6, 1)).law) == (4400, "Поправка 2026")
        assert MciRate.on(date(2017, 6, 1)).law == "Закон РК «О республиканском бюджете на 2017–2019 годы»"
    page = body(admin.get("/admin/reference/mci"))
    assert "4 400 ₸" in page.replace("\u00a0", " ") and "Поправка 2026" in page


def test_a_years_first_rate_must_start_on_1_january_and_what_was_typed_stays(admin, store, keep_reference):
    response = post_form(admin, "/admin/reference/mci/new", {"valid_from": "2028-03-01", "amount": "4900",
                                                             "law": "Закон 2028"})
    text = body(response)
    assert response.status_code == 409
    assert translated("The first MCI of %(year)s must take effect on 1 January %(year)s, or the days before it "
                      "would have no MCI: enter the rate from 1 January first.", "kk", year=2028) in text
    assert 'id="valid_from-error"' in text and 'value="Закон 2028"' in text and 'value="4900"' in text
    response = post_form(admin, "/admin/reference/mci/new", {"valid_from": "2026-01-01", "amount": "1",
                                                             "law": "Дубль"})
    assert response.status_code == 409 and 'id="valid_from-error"' in body(response)
    assert store.count(MciRate, MciRate.valid_from >= date(2027, 1, 1)) == 0
    assert audited(store, "mci_added") == []


# ---- Loans: a year with no MCI of its own refuses them ----

@pytest.fixture
def in_2027(monkeypatch):
    monkeypatch.setattr("bastau.loans.routes.today", lambda: date(2027, 3, 1))


def refer(client, application_id, day="2027-03-01", institution="damu"):
    return post_form(client, f"/financing/{application_id}/referral",
                     {"referral-institution": institution, "referral-amount": "1 500 000",
                      "referral-term_months": "36", "referral-referred_on": day},
                     page=f"/financing/{application_id}")


def test_a_referral_in_a_year_with_no_mci_is_refused_until_it_is_added(app, admin, make_user, make_application,
                                                                       store, in_2027, keep_reference):
    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF))
    defended = make_application(status=Status.DEFENDED)
    with app.app_context():
        assert MciRate.on(date(2027, 3, 1)) is None  # never 2026's
    for locale in ("kk", "ru"):
        chamber.set_cookie("lang", locale)
        response = refer(chamber, defended)
        assert response.status_code == 409
        assert translated("The MCI of %(year)s has not been entered yet, so no loan can be referred or approved "
                          "with a date in %(year)s. Ask the national administrator to add it.", locale,
                          year=2027) in body(response)
    assert store.count(LoanReferral) == 0
    assert post_form(admin, "/admin/reference/mci/new", {"valid_from": "2027-01-01", "amount": "4500",
                                                         "law": "Закон 2027"}).status_code == 302
    assert refer(chamber, defended).status_code == 302
    assert store.scalar(sa.select(Application.status)) == Status.REFERRED_FOR_FINANCING


def test_the_start_page_says_nothing_wrong_without_this_years_mci(app, client, monkeypatch):
    monkeypatch.setattr("bastau.home.routes.today", lambda: date(2031, 5, 1))
    app.extensions.pop("bastau_loan_cap", None)
    try:
        response = client.get("/")
        assert response.status_code == 200 and "8 000" not in body(response) and "8,000 MCI" not in body(response)
    finally:
        app.extensions.pop("bastau_loan_cap", None)


# ---- Public holidays and transferred days ----

def test_days_added_changed_removed_audited_and_kept_by_a_reload(app, admin, store, keep_reference):
    assert post_form(admin, "/admin/reference/calendar/day/2026-03-08/remove", {"confirm": "yes"},
                     page="/admin/reference/calendar/2026").status_code == 302
    sunday = date(2026, 12, 27)
    assert sunday.weekday() == rules.SUNDAY
    response = post_form(admin, "/admin/reference/calendar/2026/new", {
        "day": sunday.isoformat(), "kind": "working_day", "name_kk": "Жұмыс күні (31.12.2026 орнына)",
        "name_ru": "Рабочий день (вместо 31.12.2026)"})
    assert response.status_code == 302, body(response)[:2000]
    assert post_form(admin, "/admin/reference/calendar/2026/new", {
        "day": "2026-12-31", "kind": "day_off", "name_kk": "Демалыс күні", "name_ru": "Выходной день"},
        page="/admin/reference/calendar/2026/new").status_code == 302
    assert post_form(admin, "/admin/reference/calendar/day/2026-07-06", {
        "day": "2026-07-06", "kind": "holiday", "name_kk": "Елорда күні", "name_ru": "День столицы"}).status_code == 302
    assert [len(audited(store, a)) for a in ("calendar_day_removed", "calendar_day_added", "calendar_day_changed")] \
        == [1, 2, 1]
    with app.app_context():
        load_all()  # 2026 has days already: the file does not put 8 March back
        assert date(2026, 3, 8) not in calendar.public_holidays()
        assert date(2026, 12, 31) in calendar.public_holidays()
        assert calendar.transferred_working_days() == {sunday}
        assert db.session.get(CalendarDay, date(2026, 7, 6)).name_kk == "Елорда күні"
        # A cohort over New Year: the Sunday worked is a training day, the day off given for it is not.
        dates = calendar.training_dates(date(2026, 12, 21), 25)
        assert sunday in dates and date(2026, 12, 31) not in dates
    page = body(admin.get("/admin/reference/calendar/2026"))
    assert 'id="day-2026-03-08"' not in page and 'id="day-2026-12-27" data-kind="working_day"' in page


def test_a_working_day_must_be_a_weekend_day_and_what_was_typed_stays(admin, store, keep_reference):
    response = post_form(admin, "/admin/reference/calendar/2026/new", {
        "day": "2026-12-23", "kind": "working_day", "name_kk": "Жұмыс күні", "name_ru": "Рабочий день"})
    text = body(response)
    assert response.status_code == 409 and 'id="kind-error"' in text
    assert translated("Only a Saturday or a Sunday can be made a working day.", "kk") in text
    assert 'value="Рабочий день"' in text
    response = post_form(admin, "/admin/reference/calendar/2026/new", {
        "day": "2026-03-22", "kind": "holiday", "name_kk": "Наурыз", "name_ru": "Наурыз"})
    assert response.status_code == 409 and 'id="day-error"' in body(response)
    assert store.count(CalendarDay, CalendarDay.day == date(2026, 12, 23)) == 0


def test_filling_2028_from_the_kazakhstan_calendar_and_a_2028_cohort_skips_the_holidays(
        app, admin, make_user, store, monkeypatch, keep_reference):
    page = body(admin.get("/admin/reference/calendar/2028"))
    assert 'action="/admin/reference/calendar/2028/fill"' in page
    response = post_form(admin, "/admin/reference/calendar/2028/fill", {"year": "2028"},
                         page="/admin/reference/calendar/2028")
    assert response.status_code == 302, body(response)[:2000]
    days = {d.day: d for d in store.scalars(sa.select(CalendarDay).where(CalendarDay.day >= date(2028, 1, 1)))}
    nauryz = [date(2028, 3, 21), date(2028, 3, 22), date(2028, 3, 23)]
    for day in [date(2028, 3, 8), *nauryz]:
        assert days[day].kind == DayKind.HOLIDAY
    assert (days[date(2028, 3, 8)].name_kk, days[date(2028, 3, 8)].name_ru) == (
        "Халықаралық әйелдер күні", "Международный женский день")
    observed = days[date(2028, 12, 18)]  # 16 December 2028 is a Saturday
    assert observed.kind == DayKind.DAY_OFF and rules.OBSERVED_REST_DAYS_ARE_DAYS_OFF
    assert observed.name_ru == "День Независимости (перенесённый выходной)"
    assert audited(store, "calendar_year_filled")[0].startswith(f"2028: {len(days)} days from holidays")
    again = post_form(admin, "/admin/reference/calendar/2028/fill", {"year": "2028"},
                      page="/admin/reference/calendar/2027")
    assert again.status_code == 409 and store.count(CalendarDay, CalendarDay.day >= date(2028, 1, 1)) == len(days)

    # A cohort formed for 2028 by the chamber: its schedule leaves the holidays out.
    monkeypatch.setattr("bastau.training.routes.today", lambda: date(2028, 2, 1))
    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF))
    trainer = make_user(Role.TRAINER)
    response = post_form(chamber, "/cohorts/new", {
        "programme_year": "2028", "number": "1", "language": "kk", "venue": "Қаскелең, 1-кабинет",
        "start": "2028-03-06", "training_days": "25", "capacity": "30", "trainer": str(trainer.id)})
    assert response.status_code == 302, body(response)[:3000]
    dates = [d.date for d in store.scalars(sa.select(TrainingDay).order_by(TrainingDay.day_number))]
    assert len(dates) == 25 and dates[0] == date(2028, 3, 6)
    assert not {date(2028, 3, 8), *nauryz} & set(dates) and date(2028, 3, 24) in dates


def test_the_packages_names_in_russian():
    names = {d.day: d for d in calendar.kazakhstan_calendar(2027)}
    assert names[date(2027, 3, 24)].name_kk == "Наурыз мейрамы (қайта белгіленген демалыс)"
    assert names[date(2027, 3, 24)].name_ru == "Наурыз мейрамы (перенесённый выходной)"
    assert names[date(2027, 5, 7)].name_ru == "День защитника Отечества"
    transfer = {d.day: d for d in calendar.kazakhstan_calendar(2025)}
    assert transfer[date(2025, 1, 3)].kind == DayKind.DAY_OFF
    assert transfer[date(2025, 1, 5)].kind == DayKind.WORKING_DAY  # the Sunday worked instead


# ---- Lenders ----

def test_lenders_added_renamed_deactivated_and_kept_by_a_reload(app, admin, make_user, make_application, store,
                                                                 keep_reference):
    response = post_form(admin, "/admin/reference/lenders/new", {"code": "halyk_bank", "name_kk": "Халық банкі",
                                                                 "name_ru": "Народный банк", "position": ""})
    assert response.status_code == 302, body(response)[:2000]
    assert post_form(admin, "/admin/reference/lenders/new", {"code": "damu", "name_kk": "Д", "name_ru": "Д"},
                     ).status_code == 409
    assert post_form(admin, "/admin/reference/lenders/damu", {"name_kk": "«Даму» қоры", "name_ru": "Фонд «Даму»",
                                                              "position": "5"}).status_code == 302
    assert post_form(admin, "/admin/reference/lenders/microfinance/active", {"active": "0", "confirm": "yes"},
                     page="/admin/reference/lenders").status_code == 302
    assert [len(audited(store, a)) for a in ("lender_added", "lender_changed", "lender_deactivated")] == [1, 1, 1]
    with app.app_context():
        load_all()
        assert db.session.get(Lender, "damu").name_ru == "Фонд «Даму»"
        assert db.session.get(Lender, "microfinance").active is False

    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF))
    defended = make_application(status=Status.DEFENDED)
    form = body(chamber.get(f"/financing/{defended}"))
    assert 'value="halyk_bank"' in form and 'value="microfinance"' not in form and "«Даму» қоры" in form
    assert refer(chamber, defended, day=today().isoformat(), institution="microfinance").status_code == 422
    assert store.count(LoanReferral) == 0
    from bastau.loans.services import lender_name
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):  # earlier referrals keep its name
        assert lender_name("microfinance") == "Микрофинансовая организация"


def test_no_active_lender_is_a_gap(app, keep_reference):
    with app.app_context():
        db.session.execute(sa.update(Lender).values(active=False))
        db.session.commit()
        assert ReferenceGap(NO_LENDER) in reference_gaps(date(2026, 6, 1))


# ---- Districts ----

def test_a_closed_district_is_not_offered_and_a_post_naming_it_is_refused(app, admin, client, store,
                                                                          keep_reference):
    district_id, region_id = place_of(app, CLOSING)
    page = f"/admin/reference/districts/{district_id}"
    past = post_form(admin, f"{page}/close", {"close-closed_from": (today() - timedelta(days=1)).isoformat()},
                     page=page)
    assert past.status_code == 409 and 'id="close-closed_from-error"' in body(past)
    assert post_form(admin, f"{page}/close", {"close-closed_from": today().isoformat()}, page=page).status_code == 302
    assert len(audited(store, "district_closed")) == 1
    listed = client.get(f"/apply/districts?region={region_id}", headers={"HX-Request": "true"})
    assert f'value="{district_id}"' not in page_text(listed)
    other_id, _ = place_of(app, RENAMING)
    assert f'value="{other_id}"' in page_text(listed)
    for locale in ("kk", "ru"):
        client.set_cookie("lang", locale)
        response = post_form(client, "/apply", application_data(app, region=str(region_id),
                                                                 district=str(district_id)), page="/apply")
        assert response.status_code == 422
        with app.test_request_context("/", headers={"Accept-Language": locale}):
            name = db.session.get(District, district_id).name
        assert name in body(response) and 'id="district-error"' in body(response)
    assert store.count(Application) == 0
    assert post_form(admin, f"{page}/reopen", {"confirm": "yes"}, page=page).status_code == 302
    listed = client.get(f"/apply/districts?region={region_id}", headers={"HX-Request": "true"})
    assert f'value="{district_id}"' in page_text(listed)


def test_a_renamed_district_keeps_its_old_name_on_older_applications(app, admin, make_application, store,
                                                                     keep_reference):
    district_id, _ = place_of(app, RENAMING)
    older = make_application(RENAMING, created_at=datetime(2026, 1, 10, 6, 0))
    page = f"/admin/reference/districts/{district_id}"
    response = post_form(admin, f"{page}/rename", {"rename-name_kk": "Жаңа Жамбыл ауданы",
                                                   "rename-name_ru": "Новый Жамбылский район",
                                                   "rename-renamed_on": today().isoformat()}, page=page)
    assert response.status_code == 302, body(response)[:2000]
    newer = make_application(RENAMING)
    assert audited(store, "district_renamed")[0].startswith("194200000: «Жамбыл ауданы» / «Жамбылский район»")
    with app.app_context():
        load_all()  # the file's name does not come back
        former = db.session.scalar(sa.select(DistrictName).where(DistrictName.district_id == district_id))
        assert former.used_until == today() - timedelta(days=1)
    for locale, old, new in (("kk", "Жамбыл ауданы", "Жаңа Жамбыл ауданы"),
                             ("ru", "Жамбылский район", "Новый Жамбылский район")):
        with app.test_request_context("/", headers={"Accept-Language": locale}):
            assert db.session.get(Application, older).place == old
            assert db.session.get(Application, newer).place == new
    earlier = post_form(admin, f"{page}/rename", {"rename-name_kk": "Тағы", "rename-name_ru": "Ещё",
                                                  "rename-renamed_on": "2025-01-01"}, page=page)
    assert earlier.status_code == 409 and 'id="rename-renamed_on-error"' in body(earlier)
    assert 'value="Тағы"' in body(earlier)


# ---- What runs out ----

@pytest.mark.parametrize("day, gaps", [
    (date(2026, 11, 30), []),
    (date(2026, 12, 1), [ReferenceGap(MCI_MISSING, 2027)]),             # 2027's holidays are in the file
    (date(2027, 11, 30), [ReferenceGap(MCI_MISSING, 2027)]),            # this year's MCI: at any time
    (date(2027, 12, 1), [ReferenceGap(MCI_MISSING, 2027), ReferenceGap(MCI_MISSING, 2028),
                         ReferenceGap(HOLIDAYS_MISSING, 2028)]),
    (date(2029, 3, 1), [ReferenceGap(MCI_MISSING, 2029), ReferenceGap(HOLIDAYS_MISSING, 2029)]),
])
def test_reference_gaps_before_and_after_1_december(app, day, gaps):
    with app.app_context():
        assert reference_gaps(day) == gaps
        assert not db.session.dirty and not db.session.new


def test_the_index_shows_what_runs_out(admin, monkeypatch):
    monkeypatch.setattr("bastau.reference_admin.routes.today", lambda: date(2026, 12, 1))
    text = body(admin.get("/admin/reference"))
    assert translated("The MCI of %(year)s has not been entered yet: loans with a date in %(year)s cannot be "
                      "referred.", "kk", year=2027) in text
