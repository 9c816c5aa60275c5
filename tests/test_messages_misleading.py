"""Messages that told people something untrue (issue 15, item 9): a form of thousands of parts was told its file
was larger than 10 MB; an IIN with a wrong 7th digit was told it was not a citizen's, though citizenship is never
asked; the CSV download's Content-Type named its charset twice."""
from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from bastau import rules
from bastau.clock import today
from bastau.forms import IIN_MESSAGES
from bastau.models import ApplicantList, BusinessPlan, Role, Status
from tests.conftest import application_data, csrf_token, district, login, page_text, post_form, translated
from tests.test_plans import SUMMARY, as_participant, folder, participant, pdf, stored_files  # noqa: F401

PARTS_TITLE = "The form sent has too many parts"
PARTS_TEXT = "Nothing was saved. One form can carry up to %(count)s fields: go back and send fewer lines at once."
TEN_MB = ("The file is larger than 10 MB. Make it smaller (for example, save the scans in lower quality) and upload it "
          "again.")
TOO_LARGE_TITLE = "The file or form is too large"
MANY = 1500  # werkzeug's MAX_FORM_PARTS is 1000


def _parts_text(locale: str) -> str:
    return translated(PARTS_TEXT, locale, count="1 000")  # grouped as the locale writes it: compared without spaces


def _plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _says(response, text: str) -> bool:
    """Whether the page shows `text` to a reader: tags, entities and kinds of space (digit grouping) aside."""
    shown = html.unescape(re.sub(r"<[^>]+>", " ", page_text(response)))
    return _plain(text) in _plain(shown)


# ---- (a) thousands of form parts ----

@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_form_of_thousands_of_parts_is_told_so_not_that_a_file_is_too_big(client, locale):
    client.set_cookie("lang", locale)
    token = csrf_token(client, "/apply")
    answer = client.post("/apply", data={"csrf_token": token, "note": ["x"] * MANY}, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert _says(answer, translated(PARTS_TITLE, locale)) and _says(answer, _parts_text(locale))
    assert not _says(answer, translated(TOO_LARGE_TITLE, locale))


def test_an_htmx_request_of_thousands_of_parts_gets_the_same_words_in_place(client):
    client.set_cookie("lang", "ru")
    token = csrf_token(client, "/apply")
    answer = client.post("/apply", data={"csrf_token": token, "note": ["x"] * MANY}, content_type="multipart/form-data",
                         headers={"HX-Request": "true"})
    assert answer.status_code == 413 and "data-htmx-error" in page_text(answer)
    assert _says(answer, translated(PARTS_TITLE, "ru")) and _says(answer, _parts_text("ru"))


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_body_that_really_is_too_big_keeps_its_own_message(client, locale):
    client.set_cookie("lang", locale)
    token = csrf_token(client, "/apply")
    answer = client.post("/apply", data={"csrf_token": token, "note": "x" * (3 << 20)},
                         content_type="multipart/form-data")
    assert answer.status_code == 413
    assert _says(answer, translated(TOO_LARGE_TITLE, locale)) and not _says(answer, translated(PARTS_TITLE, locale))


def _many_parts_upload(client, url: str, fields: dict, file_first: bool = False):
    """The summary typed, then thousands of parts (a script's, or a page gone wrong), then the file."""
    token = csrf_token(client, url)
    junk = {f"x{n}": "1" for n in range(MANY)}
    data = {"csrf_token": token, **fields, **junk, "plan": (io.BytesIO(pdf()), "plan.pdf")}
    if file_first:
        data = {"csrf_token": token, "plan": (io.BytesIO(pdf()), "plan.pdf"), **fields, **junk}
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("file_first", [False, True])
def test_a_plan_upload_of_thousands_of_parts_is_not_told_its_file_is_over_10_mb(  # noqa: F811
        client, participant, folder, store, locale, file_first):  # noqa: F811
    application_id, _trainer = participant
    client.set_cookie("lang", locale)
    typed = {**SUMMARY, "village": "Шамалған «Жаңа» ауылы"}
    answer = _many_parts_upload(as_participant(client, application_id), "/plans/upload", typed, file_first)
    assert answer.status_code == 413
    assert _says(answer, _parts_text(locale)) and not _says(answer, translated(TEN_MB, locale))
    assert 'id="plan-form"' in page_text(answer)  # the form again, not a bare error page
    if not file_first:  # what was typed before the file is shown again, as for a file too big
        assert 'value="Шамалған «Жаңа» ауылы"' in page_text(answer) and 'value="1 500 000"' in page_text(answer)
    assert store.count(BusinessPlan) == 0 and stored_files(folder) == []


def test_a_plan_file_that_really_is_over_10_mb_is_still_told_so(client, participant, folder):  # noqa: F811
    application_id, _trainer = participant
    client.set_cookie("lang", "ru")
    token = csrf_token(as_participant(client, application_id), "/plans/upload")
    answer = client.post("/plans/upload", data={**SUMMARY, "village": "Шамалған", "csrf_token": token,
                                                "plan": (io.BytesIO(b"%PDF-1.4\n" + b"0" * (22 << 20)), "plan.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 413
    assert _says(answer, translated(TEN_MB, "ru")) and not _says(answer, translated(PARTS_TITLE, "ru"))
    assert 'value="Шамалған"' in page_text(answer)


def test_the_yearly_plans_form_of_thousands_of_parts_is_not_told_its_file_is_over_1_mb(app, make_user):
    admin = app.test_client()
    admin.set_cookie("lang", "kk")
    login(admin, make_user(Role.NATIONAL_ADMIN))
    token = csrf_token(admin, "/yearly-plans/")
    parts = {f"r{n}": "1" for n in range(MANY)}
    answer = admin.post(f"/yearly-plans/{today().year}", data={"csrf_token": token, **parts},
                        content_type="multipart/form-data")
    assert answer.status_code == 413
    assert _says(answer, _parts_text("kk"))
    assert not _says(answer, translated("The file is larger than 1 MB: upload the template with the plans only.", "kk"))


# ---- (b) the IIN's 7th digit ----

def _iin_with_seventh(digit: str) -> str:
    """A 12-digit number that is a valid IIN but for its 7th digit."""
    valid = rules.compose_iin(date(1991, 3, 12), "female", 4321)
    return valid[:6] + digit + valid[7:]


@pytest.mark.parametrize("digit", ["0", "7", "8", "9"])
def test_a_7th_digit_outside_1_to_6_is_the_century_error(digit):
    with pytest.raises(rules.IINError) as raised:
        rules.parse_iin(_iin_with_seventh(digit))
    assert raised.value.code == "century"


CITIZENSHIP = {"en": ("citizen", "nationality"), "kk": ("азамат",), "ru": ("граждан",)}


@pytest.mark.parametrize("code", sorted(IIN_MESSAGES))
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_no_iin_message_speaks_of_citizenship_which_the_form_never_asks(code, locale):
    english = str(IIN_MESSAGES[code])
    text = translated(english, locale)
    words = CITIZENSHIP["en"] + CITIZENSHIP[locale]
    assert not any(word in english.lower() for word in CITIZENSHIP["en"]), english
    assert not any(word in text.lower() for word in words), text


@pytest.mark.parametrize("locale, digits", [("kk", ("1-ден 6", "жетінші")), ("ru", ("от 1 до 6", "7-я"))])
def test_a_bad_7th_digit_is_told_what_it_must_be_next_to_the_iin(client, app, store, locale, digits):
    from bastau.models import Application
    client.set_cookie("lang", locale)
    answer = post_form(client, "/apply", application_data(app, iin=_iin_with_seventh("8")))
    expected = translated("The 7th digit of the IIN must be from 1 to 6. Check the IIN on your ID card.", locale)
    assert answer.status_code == 422 and _says(answer, expected)
    assert all(part in expected for part in digits)
    assert re.search(r'id="iin-error"[^>]*>[^<]*' + re.escape(expected.split(".")[0]), page_text(answer))
    assert store.count(Application) == 0


def test_the_iin_check_while_typing_says_the_same(client):
    client.set_cookie("lang", "ru")
    token = csrf_token(client, "/apply")
    answer = client.post("/apply/iin", data={"csrf_token": token, "iin": _iin_with_seventh("0")},
                         headers={"HX-Request": "true"})
    assert _says(answer, translated("The 7th digit of the IIN must be from 1 to 6. Check the IIN on your ID card.",
                                    "ru"))


# ---- (c) Content-Type of every download ----

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def sent_list(app, make_user, make_application, store):
    centre = app.test_client()
    login(centre, make_user(Role.CENTRE_OFFICER))
    chosen = [make_application(status=Status.TARGET_GROUP_CONFIRMED) for _ in range(2)]
    post_form(centre, "/centre/lists/new", {"application": [str(i) for i in chosen]})
    return centre, store.scalar(sa.select(ApplicantList.id))


def test_the_list_downloads_name_their_type_exactly(sent_list):
    centre, list_id = sent_list
    assert centre.get(f"/lists/{list_id}.csv").headers["Content-Type"] == CSV
    assert centre.get(f"/lists/{list_id}.xlsx").headers["Content-Type"] == XLSX


def _dashboard_downloads(app, region_id: int, district_id: int) -> list[str]:
    """Every dashboard page (each offers its table as CSV and XLSX with ?format=), found in the url_map."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dashboard.") and "GET" in rule.methods:
            if "cohort_id" in rule.arguments:
                continue  # a cohort's page needs a cohort; its download goes through the same function
            paths.append(rule.rule.replace("<int:region_id>", str(region_id))
                         .replace("<int:district_id>", str(district_id)))
    return sorted(paths)


def test_every_dashboard_download_names_its_type_exactly(app, make_user):
    admin = app.test_client()
    login(admin, make_user(Role.NATIONAL_ADMIN))
    with app.app_context():
        place = district()
        region_id, district_id = place.region_id, place.id
    paths = _dashboard_downloads(app, region_id, district_id)
    assert len(paths) >= 5
    for path in paths:
        for kind, expected in (("csv", CSV), ("xlsx", XLSX)):
            answer = admin.get(f"{path}?format={kind}")
            assert answer.status_code == 200, (path, kind, answer.status_code)
            assert answer.headers["Content-Type"] == expected, (path, kind, answer.headers["Content-Type"])


@pytest.mark.parametrize("kind, expected", [("csv", CSV), ("xlsx", XLSX)])
def test_the_shared_download_names_its_type_exactly(app, kind, expected):
    from bastau import exports
    table = exports.Table(title="Т", headers=["А"], rows=[["б"]])
    with app.test_request_context():
        response = exports.download(table, kind, ["тест"], "test")
    assert response.headers["Content-Type"] == expected
    assert response.headers["Content-Type"].count("charset") <= 1


def test_no_static_file_names_its_charset_twice(app, client):
    manifest = app.extensions["bastau_assets"]
    assert manifest.files
    for hashed in manifest.files:
        content_type = client.get(f"/static/{hashed}").headers["Content-Type"]
        assert content_type.count("charset") <= 1, (hashed, content_type)
