"""Searches for names match the same way on SQLite and PostgreSQL (run with BASTAU_TEST_DB=postgresql too): one
normaliser (bastau.collation.search_key) makes both the stored key and the typed query, so case (Kazakh letters
included), Ё/Е, composed or decomposed letters and invisible characters never decide whether a person is found."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau.collation import name_contains, search_key
from bastau.extensions import db
from bastau.models import Application, Role, User
from tests.conftest import login, page_text

ROOT = Path(__file__).resolve().parent.parent
DECOMPOSED_YO = "е\u0308"  # е + combining diaeresis: what some keyboards and PDFs give for ё


@pytest.mark.parametrize("typed, stored", [
    ("ёлкина", "ЕЛКИНА"),
    ("ЕЛКИНА", "Ёлкина"),
    (DECOMPOSED_YO + "лкина", "ЁЛКИНА"),
    ("әлиева", "ӘЛИЕВА"),
    ("ҚАСЫМОВ ҒАЛЫМ", "Қасымов Ғалым"),
    ("ұлықбекова", "ҰЛЫҚБЕКОВА"),
    ("іліяс", "ІЛІЯС"),
    ("  жұмабаева\u00a0  дана ", "Жұмабаева Дана"),
    ("жұма\u200bбаева", "Жұмабаева"),
    ("\ufeffнұрлан", "Нұрлан"),
    ("й", "И\u0306"),  # й typed, decomposed и + breve stored
])
def test_the_same_key_for_what_people_mean_as_the_same_name(typed, stored):
    assert search_key(stored).find(search_key(typed)) >= 0


@pytest.mark.parametrize("typed, stored", [("ә", "А"), ("қ", "к"), ("і", "и"), ("й", "и"), ("ұ", "у")])
def test_different_letters_stay_different(typed, stored):
    assert search_key(typed) != search_key(stored)


def names_matching(app, model, column, text: str) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(column).where(name_contains(model.search_name, text))))


@pytest.fixture
def people(app, make_application):
    make_application(surname="ЕЛКИНА", first_name="Мария")
    make_application(surname="Әлиева", first_name="Ә" + "йгерім")
    make_application(surname="Кон" + DECOMPOSED_YO + "ва", first_name="Анна")  # stored decomposed, as pasted
    named_with_patronymic = make_application(surname="Қасымов", first_name="Нұрлан")
    with app.app_context():
        db.session.get(Application, named_with_patronymic).patronymic = "Ғалымұлы"
        db.session.commit()
    make_application(surname="100%_Иванов", first_name="Пётр")


@pytest.mark.parametrize("typed, found", [
    ("ёлкина", ["ЕЛКИНА"]),
    ("Елкина", ["ЕЛКИНА"]),
    ("ЕЛКИНА МАРИЯ", ["ЕЛКИНА"]),
    ("ӘЛИЕВА", ["Әлиева"]),
    ("әйгерім", ["Әлиева"]),
    ("конёва", ["Кон" + DECOMPOSED_YO + "ва"]),
    ("КОНЕВА", ["Кон" + DECOMPOSED_YO + "ва"]),
    ("кон" + DECOMPOSED_YO + "ва", ["Кон" + DECOMPOSED_YO + "ва"]),
    ("ғалымұлы", ["Қасымов"]),
    ("қасымов\u202e", ["Қасымов"]),
    ("%", ["100%_Иванов"]),  # a typed % is a character, not a wildcard
    ("_", ["100%_Иванов"]),
    ("петр", ["100%_Иванов"]),
    ("нет такого", []),
])
def test_the_database_finds_people_by_the_stored_key(app, people, typed, found):
    assert names_matching(app, Application, Application.surname, typed) == found


def staff_named(app, make_user, full_name: str, username: str) -> User:
    user = make_user(Role.CHAMBER_STAFF, username=username)
    with app.app_context():
        db.session.get(User, user.id).full_name = full_name
        db.session.commit()
    return user


def test_the_key_follows_a_renamed_account(app, make_user):
    user = staff_named(app, make_user, "Ёлкина Гүлнар", "elkina")
    assert names_matching(app, User, User.full_name, "ЕЛКИНА") == ["Ёлкина Гүлнар"]
    with app.app_context():
        db.session.get(User, user.id).full_name = "Сәрсен Әлия"
        db.session.commit()
    assert names_matching(app, User, User.full_name, "ЕЛКИНА") == []
    assert names_matching(app, User, User.full_name, "сәрсен ӘЛИЯ") == ["Сәрсен Әлия"]


def test_the_key_follows_names_changed_by_a_bulk_update(app, store, make_user, make_application):
    person = make_application(surname="Басқа", first_name="Адам")
    user = staff_named(app, make_user, "Басқа Адам", "other")
    store.execute(sa.update(Application).where(Application.id == person).values(surname="ЁЛКИНА"))
    store.execute(sa.update(User).where(User.id == user.id).values(full_name="Ёлкина Гүлнар"))
    assert names_matching(app, Application, Application.surname, "елкина адам") == ["ЁЛКИНА"]
    assert names_matching(app, User, User.full_name, "елкина") == ["Ёлкина Гүлнар"]
    assert names_matching(app, User, User.full_name, "басқа") == []


def test_the_accounts_page_finds_a_name_typed_with_yo_in_other_case(app, client, make_user):
    login(client, make_user(Role.NATIONAL_ADMIN, username="admin"))
    staff_named(app, make_user, "ЕЛКИНА Әсел", "elkina")
    staff_named(app, make_user, "Басқа Адам", "other")
    for typed in ("ёлкина", "ёлкина әсел", "ЕЛКИНА ӘСЕЛ", DECOMPOSED_YO + "лкина"):
        page = page_text(client.get("/admin/users", query_string={"q": typed}, follow_redirects=True))
        assert "ЕЛКИНА Әсел" in page and "Басқа Адам" not in page, typed


def test_the_chamber_waiting_list_finds_a_name_typed_with_yo_in_other_case(client, make_user, make_application):
    from bastau.models import Status
    login(client, make_user(Role.CHAMBER_STAFF))
    make_application(status=Status.LIST_APPROVED, surname="ЕЛКИНА", first_name="Әсел")
    make_application(status=Status.LIST_APPROVED, surname="Басқа", first_name="Адам")
    for typed in ("ёлкина", "әсел", DECOMPOSED_YO + "лкина әсел"):
        page = page_text(client.get("/chamber/tests", query_string={"q": typed}, follow_redirects=True))
        assert "ЕЛКИНА" in page and "Басқа" not in page, typed


def test_the_migration_fills_the_key_of_rows_that_were_there_before(app, people, make_user):
    staff_named(app, make_user, "Ёлкина Гүлнар", "elkina")
    migration = importlib.import_module("migrations.versions.a15t00000001_search_names")
    with app.app_context(), db.engine.begin() as connection:
        for table, columns in migration.NAME_COLUMNS.items():
            connection.execute(sa.text(f"UPDATE {table} SET search_name = ''"))
            migration._fill(connection, sa.table(table, sa.column("id"), sa.column("search_name"),
                                                 *(sa.column(name) for name in columns)), columns)
    assert names_matching(app, Application, Application.surname, "ёлкина") == ["ЕЛКИНА"]
    assert names_matching(app, User, User.full_name, "елкина") == ["Ёлкина Гүлнар"]


def test_no_search_compares_names_by_the_databases_own_lower():
    """lower() differs between SQLite (ASCII only, unless replaced) and a PostgreSQL in the C locale, and knows
    nothing of Ё/Е or NFC: every name search goes through name_contains."""
    offenders = []
    for path in sorted((ROOT / "bastau").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"func\.lower\((Application|User)\.(surname|first_name|patronymic|full_name)", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_centre_queue_finds_a_name_typed_with_yo_in_other_case(client, make_user, make_application):
    login(client, make_user(Role.CENTRE_OFFICER))
    make_application(surname="ЕЛКИНА", first_name="Әсел")
    make_application(surname="Другова", first_name="Анна")
    for typed in ("ёлкина", "ЁЛКИНА ӘСЕЛ", DECOMPOSED_YO + "лкина", "елкина\u200b"):
        page = page_text(client.get("/centre/", query_string={"q": typed}, follow_redirects=True))
        assert re.findall(r'<a href="/staff/applications/\d+">([^<]+)</a>', page) == ["ЕЛКИНА Әсел"], typed
