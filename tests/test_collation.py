"""Names sort in the page language's alphabetical order everywhere: the rule (bastau.collation) and each list
of names a person reads (the test waiting list, the financing list, the accounts page, a list sent to the
chamber and its exports)."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bastau import collation
from bastau.extensions import db
from bastau.models import Application, Role, Status
from tests.conftest import login, page_text

KAZAKH = "А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я".split()
RUSSIAN = "А Б В Г Д Е Ё Ж З И Й К Л М Н О П Р С Т У Ф Х Ц Ч Ш Щ Ъ Ы Ь Э Ю Я".split()
# One surname per letter that sorts wrongly by code point (Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ, І come after Я in Unicode).
SURNAMES = ["Яковлев", "Әлиева", "Ғалымов", "Қасымов", "Ңұрұлы", "Өмірова", "Ұлықбекова", "Үсенов", "Һасанов",
            "Ілиясов", "Абенов", "Жұмабаев", "Ыбыраев"]
KK_ORDER = ["Абенов", "Әлиева", "Ғалымов", "Жұмабаев", "Қасымов", "Ңұрұлы", "Өмірова", "Ұлықбекова", "Үсенов",
            "Һасанов", "Ыбыраев", "Ілиясов", "Яковлев"]
# Russian: Kazakh letters beside the Russian letter they are built on (І beside И, Ү and Ұ beside У, …).
RU_ORDER = ["Абенов", "Әлиева", "Ғалымов", "Жұмабаев", "Ілиясов", "Қасымов", "Ңұрұлы", "Өмірова", "Үсенов",
            "Ұлықбекова", "Һасанов", "Ыбыраев", "Яковлев"]


def test_the_kazakh_alphabet_in_its_order():
    assert collation.sorted_by_name(reversed(KAZAKH), locale="kk") == KAZAKH
    assert collation.sorted_by_name([letter.lower() for letter in reversed(KAZAKH)], locale="kk") == \
        [letter.lower() for letter in KAZAKH]


def test_the_russian_alphabet_in_its_order_with_kazakh_letters_beside_their_russian_ones():
    assert collation.sorted_by_name(reversed(RUSSIAN), locale="ru") == RUSSIAN
    ru = collation.sorted_by_name(KAZAKH, locale="ru")
    for kazakh, russian in (("Ә", "А"), ("Ғ", "Г"), ("Қ", "К"), ("Ң", "Н"), ("Ө", "О"), ("Ұ", "У"), ("Ү", "У"),
                            ("Һ", "Х"), ("І", "И")):
        assert ru.index(russian) < ru.index(kazakh) < ru.index(russian) + 4, kazakh


@pytest.mark.parametrize("locale, order", [("kk", KK_ORDER), ("ru", RU_ORDER)])
def test_names_sort_in_the_locales_order(locale, order):
    assert collation.sorted_by_name(SURNAMES, locale=locale) == order
    rows = [{"surname": s, "first": f} for s, f in (("Әлиева", "Ғалия"), ("Әлиева", "Айгүл"), ("Абенов", "Ілияс"))]
    assert [(r["surname"], r["first"]) for r in collation.sorted_by_name(rows, key=lambda r: (r["surname"], r["first"]),
                                                                         locale=locale)] == \
        [("Абенов", "Ілияс"), ("Әлиева", "Айгүл"), ("Әлиева", "Ғалия")]


def test_case_and_empty_names():
    assert collation.sorted_by_name(["әлиева", "Абенов", "", None], key=lambda n: n, locale="kk") == \
        ["", None, "Абенов", "әлиева"]


def test_the_page_language_decides(app):
    with app.test_request_context(headers={"Cookie": "lang=ru"}):
        assert collation.page_locale() == "ru"
    with app.test_request_context():
        assert collation.page_locale() == "kk"
    assert collation.page_locale("en") == "kk" and collation.page_locale("ru_RU") == "ru"


@pytest.mark.parametrize("locale, order", [("kk", KK_ORDER), ("ru", RU_ORDER)])
def test_the_database_sorts_the_same_way(app, make_application, locale, order):
    for surname in SURNAMES:
        make_application(surname=surname)
    with app.app_context():
        found = db.session.scalars(sa.select(Application.surname)
                                   .order_by(collation.by_name(Application.surname, locale))).all()
    assert found == order


def _names(html: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell).strip().split()[0]
            for cell in re.findall(r"<td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td>", table) if not cell.startswith("BB-")]


@pytest.fixture
def chamber(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.CHAMBER_STAFF))
    return client


@pytest.mark.parametrize("locale, order", [("kk", KK_ORDER), ("ru", RU_ORDER)])
def test_waiting_list_in_alphabetical_order(chamber, make_application, locale, order):
    for surname in SURNAMES:
        make_application(surname=surname, status=Status.LIST_APPROVED)
    chamber.set_cookie("lang", locale)
    assert _names(page_text(chamber.get("/chamber/tests")), "waiting") == order


def test_waiting_list_has_pages_search_and_the_total(chamber, make_application, store):
    ids = [make_application(surname="Әлиева", first_name=f"Дана{'а' * (i % 7)}", status=Status.LIST_APPROVED)
           for i in range(120)]
    wanted = make_application(surname="Қасымова", first_name="Гүлнар", status=Status.LIST_APPROVED)
    html = page_text(chamber.get("/chamber/tests"))
    assert "121" in re.search(r'id="waiting-total"[^>]*>([^<]+)', html).group(1)  # the total, not a silent cap
    seen = set(re.findall(r"/chamber/applications/(\d+)/test", re.search(r'id="waiting".*?</table>', html, re.S)[0]))
    assert len(seen) == 50
    for page in (2, 3):
        part = page_text(chamber.get(f"/chamber/tests?page={page}"))
        seen |= set(re.findall(r"/chamber/applications/(\d+)/test",
                               re.search(r'id="waiting".*?</table>', part, re.S)[0]))
    assert seen == {str(i) for i in ids + [wanted]}  # everyone is on some page
    assert 'href="/chamber/tests?page=2"' in html
    # search: by name (any case), by the start of the IIN, by the reference number; no JS needed
    found = page_text(chamber.get("/chamber/tests?q=қасым", follow_redirects=True))
    assert f"/chamber/applications/{wanted}/test" in found and "Әлиева" not in found.split('id="waiting-list"')[1]
    iin = store.scalar(sa.select(Application.iin).where(Application.id == wanted))
    assert f"/chamber/applications/{wanted}/test" in page_text(chamber.get(f"/chamber/tests?q={iin}", follow_redirects=True))
    year = store.scalar(sa.select(Application.programme_year).where(Application.id == wanted))
    by_ref = page_text(chamber.get(f"/chamber/tests?q=BB-{year}-{wanted:06d}", follow_redirects=True))
    assert f"/chamber/applications/{wanted}/test" in by_ref and by_ref.count("/test\">BB-") == 1
    assert chamber.get("/chamber/tests?q=%25_%25", follow_redirects=True).status_code == 200
    # htmx gets only the list
    fragment = page_text(chamber.get("/chamber/tests?q=қасым", headers={"HX-Request": "true"}, follow_redirects=True))
    assert fragment.lstrip().startswith('<div id="waiting-list">') and "<html" not in fragment


def test_financing_list_in_alphabetical_order(chamber, make_application):
    for surname in SURNAMES:
        make_application(surname=surname, status=Status.DEFENDED)
    for locale, order in (("kk", KK_ORDER), ("ru", RU_ORDER)):
        chamber.set_cookie("lang", locale)
        html = page_text(chamber.get("/financing"))
        table = re.search(r'id="financing".*?</table>', html, re.S).group(0)
        assert [n.split()[0] for n in re.findall(r'<a href="/financing/[^"]+">([^<]+)</a>', table)] == order


def test_accounts_page_in_alphabetical_order(app, make_user):
    admin = make_user(Role.NATIONAL_ADMIN)
    from bastau.models import User
    for i, surname in enumerate(SURNAMES):
        made = make_user(Role.OPERATOR, username=f"op{i}")
        with app.app_context():
            db.session.get(User, made.id).full_name = f"{surname} Дана"
            db.session.commit()
    client = app.test_client()
    login(client, admin)
    for locale, order in (("kk", KK_ORDER), ("ru", RU_ORDER)):
        client.set_cookie("lang", locale)
        html = page_text(client.get("/admin/users?role=operator"))
        names = [n.split()[0] for n in re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', html)]
        assert names == order


def test_a_list_and_its_export_in_alphabetical_order(app, make_user, make_application, store):
    from bastau.models import ApplicantList
    centre = app.test_client()
    login(centre, make_user(Role.CENTRE_OFFICER))
    ids = [make_application(surname=surname, status=Status.TARGET_GROUP_CONFIRMED) for surname in SURNAMES]
    from tests.conftest import post_form
    assert post_form(centre, "/centre/lists/new", {"application": [str(i) for i in ids]}).status_code in (200, 302, 303)
    sent = store.scalar(sa.select(ApplicantList.id))
    for locale, order in (("kk", KK_ORDER), ("ru", RU_ORDER)):
        centre.set_cookie("lang", locale)
        sheet = load_workbook(io.BytesIO(centre.get(f"/lists/{sent}.xlsx").data)).active
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        assert [r[2] for r in rows] == order and [r[0] for r in rows] == list(range(1, len(order) + 1))
        html = page_text(centre.get(f"/lists/{sent}"))
        assert [n.split()[0] for n in re.findall(r'<a href="/staff/applications/\d+">([^<]+)</a>', html)] == order
