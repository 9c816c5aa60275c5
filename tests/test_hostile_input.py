"""Hostile input: each case is refused, or stored and shown safely; nothing is executed or reflected raw.

Markup in names, SQL-like text in every search box, IINs that only look like digits, upload names and contents
made to escape the storage folder or to be run by a browser, and header or redirect injection.
"""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
import sqlalchemy as sa
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader
from werkzeug.http import parse_options_header

from bastau import rules
from bastau.apply.forms import NAME_MESSAGE
from bastau.forms import IIN_MESSAGES
from bastau.clock import today
from bastau.models import ApplicantList, Application, BusinessPlan, Role, Status
from bastau.models import TestSitting as Sitting  # pytest must not take it for a test class
from bastau.plans.services import MAX_BYTES
from bastau.plans.storage import STORED_NAME
from tests import access_defence
from tests.conftest import application_data, csrf_token, login, new_iin, page_text, post_form, translated
from tests.journey import apply, fill_in, look_up, receipt_details, shows
from tests.test_access import OWN, world  # noqa: F401  (world is a fixture)
from tests.test_plans import as_participant, docx, image, participant, pdf, send  # noqa: F401  (participant)

SCRIPT = "<script>alert(1)</script>"
FORMAT, CHECKSUM = IIN_MESSAGES["format"]._args[0], IIN_MESSAGES["checksum"]._args[0]  # the msgids
NAME_REFUSED = NAME_MESSAGE._args[0]


# ---- Names and free text in the application form ----

@pytest.mark.parametrize("field", ["surname", "first_name", "patronymic"])
@pytest.mark.parametrize("typed", ["Әлия" + SCRIPT, '"Қ"', "</textarea>", "Әлия<b>", "Әлия\" onfocus=\"x()",
                                   "=HYPERLINK(\"http://evil.example\")"])
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_markup_and_quotes_in_names_are_refused_and_kept_escaped(client, app, store, field, typed, locale):
    client.set_cookie("lang", locale)
    response = fill_in(client, application_data(app, **{field: typed}))
    assert response.status_code == 422
    assert shows(response, translated(NAME_REFUSED, locale))
    body = page_text(response)
    assert f'value="{escape(rules.normalise_name(typed))}"' in body  # what was typed is kept, escaped, in its field
    assert "<script>alert" not in body and "<b>" not in body and 'onfocus="' not in body
    assert body.count("</textarea>") == body.count("<textarea")  # no element closed early
    assert store.count(Application) == 0


def test_a_name_with_an_apostrophe_is_stored_and_shown_escaped_everywhere(client, app, store, make_user):
    receipt = apply(client, app, surname="О'Нейл", first_name="Әлия")
    assert store.scalar(sa.select(Application.surname)) == "О'Нейл"
    assert "О&#39;Нейл" in page_text(receipt) and "О'Нейл" not in page_text(receipt)
    reference, code = receipt_details(receipt)
    applicant = app.test_client()
    iin = store.scalar(sa.select(Application.iin))
    assert look_up(applicant, {"reference": reference, "iin": iin, "access_code": code}).status_code == 302
    own_page = page_text(applicant.get("/status/view"))
    assert "О&#39;Нейл Әлия" in own_page and "О'Нейл" not in own_page
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    application_id = store.scalar(sa.select(Application.id))
    for page in (officer.get("/centre/"), officer.get(f"/staff/applications/{application_id}"),
                 officer.get("/centre/?q=о'нейл", follow_redirects=True)):
        assert page.status_code == 200 and "О&#39;Нейл Әлия" in page_text(page) and "О'Нейл" not in page_text(page)


def test_markup_in_the_business_idea_is_stored_as_text_and_shown_escaped(client, app, store, make_user):
    idea = "</textarea>" + SCRIPT + "<img src=x onerror=alert(1)>"
    refused = fill_in(client, application_data(app, business_idea=idea, surname="<b>"))
    assert refused.status_code == 422 and SCRIPT not in page_text(refused)
    assert escape(idea) in page_text(refused)  # kept inside the textarea, as text
    apply(client, app, business_idea=idea)
    assert store.scalar(sa.select(Application.business_idea)) == idea  # stored as typed
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    page = officer.get(f"/staff/applications/{store.scalar(sa.select(Application.id))}")
    assert escape(idea) in page_text(page) and SCRIPT not in page_text(page) and "<img" not in page_text(page)


# ---- Exports: cells a spreadsheet would run ----

FORMULAS = ['=HYPERLINK("http://evil.example","Ашу")', "+7+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_exports_are_formula_safe(app, store, make_user, make_application, formula):
    application_id = make_application(surname=formula, first_name="О'Нейл", status=Status.TARGET_GROUP_CONFIRMED)
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    assert post_form(officer, "/centre/lists/new", {"application": [str(application_id)]}).status_code == 302
    list_id = store.scalar(sa.select(ApplicantList.id))
    sheet = load_workbook(io.BytesIO(officer.get(f"/lists/{list_id}.xlsx").data)).active
    first = 3  # under the title row and the header
    for column in (3, 4):
        cell = sheet.cell(row=first, column=column)
        assert cell.data_type == "s", (formula, cell.data_type)  # a string, never a formula
    assert (sheet.cell(row=first, column=3).value, sheet.cell(row=first, column=4).value) == (formula, "О'Нейл")
    text = officer.get(f"/lists/{list_id}.csv").data.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[2] == "'" + formula and row[3] == "О'Нейл"


def test_the_certificate_pdf_prints_an_apostrophe_name_as_text(app, store, make_user, world):  # noqa: F811
    certificate_id = access_defence._certificate(world["own"])
    application_id = access_defence._participant(world["own"])
    store.execute(sa.update(Application).where(Application.id == application_id)
                  .values(surname="О'Нейл", first_name="Әлия"))
    staff = app.test_client()
    role = app.view_functions["defence.staff_certificate"].allowed_roles[0]
    login(staff, make_user(role, OWN))
    response = staff.get(f"/staff/certificates/{certificate_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "О'Нейл" in " ".join(text.split())


# ---- SQL-like text in every search and look-up box ----

SQL_LIKE = ["' OR 1=1 --", '"; DROP TABLE application; --', "') OR ('1'='1", "1; SELECT pg_sleep(5)", "%", "_",
            "\\", "'||(SELECT iin FROM application)||'"]


def _intact(store, applications: int) -> None:
    assert store.count(Application) == applications  # the table is there, with its rows


@pytest.mark.parametrize("text", SQL_LIKE)
def test_queue_search_takes_sql_like_text_as_text(app, store, make_user, make_application, text):
    make_application(surname="Әбенова")
    make_application(surname="Бекова")
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    response = officer.get("/centre/", query_string={"q": text}, follow_redirects=True)
    assert response.status_code in (200, 422)
    assert "/staff/applications/" not in page_text(response)  # no row matches such text
    for name in ("status", "source", "social_status", "sort", "date_from", "page"):
        assert officer.get("/centre/", query_string={name: text}).status_code in (200, 422), name
    _intact(store, 2)


@pytest.mark.parametrize("text", SQL_LIKE)
def test_look_ups_take_sql_like_text_as_text(app, store, receipt, text):
    for field in ("reference", "iin", "access_code"):
        response = look_up(app.test_client(), dict(receipt, **{field: text}))
        assert response.status_code in (404, 422), field
        assert "/status/view" not in (response.location or "")
    verify = post_form(app.test_client(), "/certificates", {"number": text})
    assert verify.status_code in (302, 404, 422)
    if verify.status_code == 302:
        assert app.test_client().get(verify.location).status_code == 404
    assert app.test_client().get("/certificates/" + text.replace("/", "")).status_code in (404, 308)
    code = post_form(app.test_client(), "/test", {"code": text, "iin": receipt["iin"]})
    assert code.status_code in (404, 409, 422)
    assert store.count(Sitting) == 0
    _intact(store, 1)


@pytest.mark.parametrize("text", SQL_LIKE)
def test_staff_filters_take_sql_like_text_as_text(app, store, make_user, make_application, text):
    make_application(surname="Әбенова")
    admin = app.test_client()
    login(admin, make_user(Role.NATIONAL_ADMIN))
    for url in ("/dashboard", "/dashboard/trainers", "/admin/users", "/financing", "/yearly-plans/", "/training",
                "/chamber/tests", "/defence", "/cohorts"):
        for name in ("year", "cohort", "language", "q", "status", "role", "district", "region", "page", "sort"):
            response = admin.get(url, query_string={name: text}, follow_redirects=True)
            assert response.status_code in (200, 302, 403, 404, 422), (url, name, response.status_code)
    _intact(store, 1)


# ---- IINs that only look like one ----

def _valid_iin() -> str:
    iin = new_iin()
    assert rules.iin_is_valid(iin)
    return iin


def _digits(iin: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in iin)


def bad_iins(iin: str) -> list[tuple[str, str]]:
    """(typed, the message it must get): a valid IIN disguised, damaged or padded."""
    wrong_check = iin[:11] + str((int(iin[11]) + 1) % 10)
    return [
        (iin[:11] + "a", FORMAT), ("ABCDEFGHIJKL", FORMAT), (iin[:6] + "O" + iin[7:], FORMAT),
        (_digits(iin, "\u0660"), FORMAT),  # Arabic-Indic ٠١٢…
        (_digits(iin, "\u06f0"), FORMAT),  # Extended Arabic-Indic (Persian)
        (_digits(iin, "\uff10"), FORMAT),  # full-width ０１２…
        (_digits(iin, "\u0966"), FORMAT),  # Devanagari ०१२…
        # (A zero-width space or BOM pasted with an IIN is taken out at the request's door, with every invisible
        # character: the IIN is then the one typed. tests/test_free_text.py)
        (iin + "0", FORMAT), (iin * 3, FORMAT), (iin[:11], FORMAT),
        (wrong_check, CHECKSUM), (wrong_check[:6] + " " + wrong_check[6:9] + "-" + wrong_check[9:], CHECKSUM),
    ]


def test_spaces_and_dashes_in_a_real_iin_are_only_formatting():
    iin = _valid_iin()
    for typed in (f"{iin[:6]} {iin[6:]}", f"{iin[:6]}-{iin[6:]}", f" {iin} ", f"{iin[:6]}\u00a0{iin[6:]}"):
        assert rules.normalise_iin(typed) == iin
    for typed, _message in bad_iins(iin):
        assert not rules.iin_is_valid(rules.normalise_iin(typed)), typed


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_application_form_refuses_disguised_iins_with_the_iin_message(client, app, store, locale):
    client.set_cookie("lang", locale)
    for typed, message in bad_iins(_valid_iin()):
        response = fill_in(client, application_data(app, iin=typed))
        assert response.status_code == 422, typed
        assert shows(response, translated(message, locale)), typed
    assert store.count(Application) == 0


def test_the_live_iin_check_refuses_disguised_iins(client):
    token = csrf_token(client, "/apply")
    for typed, message in bad_iins(_valid_iin()):
        response = client.post("/apply/iin", data={"iin": typed}, headers={"HX-Request": "true", "X-CSRFToken": token})
        assert response.status_code == 200, typed
        if len(rules.normalise_iin(typed)) >= 12:
            assert shows(response, translated(message, "kk")), typed


def test_status_look_up_and_test_code_refuse_disguised_iins_with_the_iin_message(app, receipt, monkeypatch):
    monkeypatch.setitem(app.config, "TEST_CODE_LIMIT", "1000 per minute")
    for typed, message in bad_iins(receipt["iin"]):
        status = look_up(app.test_client(), dict(receipt, iin=typed))
        assert status.status_code == 422 and shows(status, translated(message, "kk")), typed
        code = post_form(app.test_client(), "/test", {"code": "123456", "iin": typed})
        assert code.status_code == 422 and shows(code, translated(message, "kk")), typed


def test_queue_search_with_disguised_iins_finds_nobody(app, store, make_user, make_application):
    make_application(iin=(iin := _valid_iin()))
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    assert "/staff/applications/" in page_text(officer.get("/centre/", query_string={"q": iin[:6]}, follow_redirects=True))
    for typed, _message in bad_iins(iin):
        if typed.isascii() and typed.isdigit() and iin.startswith(typed):
            continue  # the first digits of an IIN find it: that is the search working
        response = officer.get("/centre/", query_string={"q": typed}, follow_redirects=True)
        assert response.status_code in (200, 422), typed
        assert "/staff/applications/" not in page_text(response), typed


def test_a_nul_character_anywhere_is_refused_before_it_reaches_the_database(app, store, make_user, receipt):
    """PostgreSQL cannot compare text with a NUL in it: without the refusal these are 500s there."""
    nul = "\x00"
    visitor = app.test_client()
    assert fill_in(visitor, application_data(app, iin=receipt["iin"][:6] + nul)).status_code == 400
    assert fill_in(visitor, application_data(app, business_idea="Тігін" + nul)).status_code == 400
    assert look_up(visitor, dict(receipt, iin=receipt["iin"] + nul)).status_code == 400
    assert look_up(visitor, dict(receipt, reference=receipt["reference"] + nul)).status_code == 400
    assert post_form(visitor, "/staff/login", {"login": "admin" + nul, "password": "x"}).status_code == 400
    assert visitor.get("/certificates/BB26" + nul).status_code == 400
    assert visitor.get("/lang/ru", query_string={"next": nul + "//evil.example"}).status_code == 400
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    assert officer.get("/centre/", query_string={"q": "Әбен" + nul}).status_code == 400
    assert officer.get("/centre/", query_string={"q": receipt["iin"][:6] + nul}).status_code == 400
    assert shows(officer.get("/centre/", query_string={"q": nul}),
                 translated("The page was open too long or was sent twice. Go back, reload the page and try again.",
                            "kk"))
    assert store.count(Application) == 1


# ---- Uploads ----

@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    """Plans go to a folder of their own inside tmp_path; anything written beside it is an escape."""
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "store" / "plans"))
    return tmp_path / "store" / "plans"


def everything_written(folder) -> list:
    root = folder.parent.parent
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _uploaded(client, store, application_id, folder, data: bytes, name: str):
    """Upload; when stored, check where and how it is served back, and return the download response."""
    response = send(as_participant(client, application_id), "/plans/upload", data, name)
    if response.status_code != 302:
        return response, None
    plan = store.scalar(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id)
                        .order_by(BusinessPlan.version.desc()))
    assert STORED_NAME.match(plan.stored_name) and (folder / plan.stored_name).read_bytes() == data
    stored = sorted(f"store/plans/{name}" for name in store.scalars(sa.select(BusinessPlan.stored_name)))
    assert everything_written(folder) == stored  # nothing written but the plans' own files, in their folder
    assert not any(ch in plan.original_name for ch in "/\\\x00\r\n\u202e") and len(plan.original_name) <= 255
    download = client.get(f"/plans/mine/{plan.version}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    kind, params = parse_options_header(disposition)
    assert kind == "attachment" and "/" not in params["filename"] and "\\" not in params["filename"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype in ("application/pdf", "image/jpeg", "image/png",
                                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return response, download


TRAVERSAL_NAMES = ["../../etc/passwd.pdf", "..\\..\\x.pdf", "/etc/passwd.pdf", "C:\\Windows\\system32\\x.pdf",
                   "....//....//x.pdf", "%2e%2e%2fx.pdf", "plan\x00.pdf", "plan.pdf\x00.exe", "а" * 400 + ".pdf",
                   "plan\u202efdp.exe", "\r\nSet-Cookie: a=b.pdf", 'x"; filename="evil.exe', "..", ".", ""]


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_upload_names_never_choose_where_a_file_goes(client, store, participant, folder, name):  # noqa: F811
    application_id, _trainer = participant
    response, download = _uploaded(client, store, application_id, folder, pdf(), name)
    if not name or "\n" in name:
        # No name, or a name that breaks the multipart headers: no file arrives, so nothing is stored.
        assert response.status_code == 422 and store.count(BusinessPlan) == 0 and everything_written(folder) == []
        return
    assert response.status_code == 302, name
    assert len(everything_written(folder)) == 1
    shown = parse_options_header(download.headers["Content-Disposition"])[1]["filename"]
    assert shown.endswith(".pdf") and not shown.startswith("."), shown


def test_control_characters_never_reach_a_stored_name():
    from bastau.plans.services import PDF, clean_name
    assert clean_name("\r\nSet-Cookie: a=b.pdf", PDF) == "Set-Cookie: a=b.pdf"
    assert clean_name("plan\u202efdp.exe\x00", PDF) == "planfdp.exe"
    assert clean_name("../../\r\n", PDF) == "business-plan.pdf"


@pytest.mark.parametrize("data, name, stored_as", [
    (pdf(), "plan.pdf.exe", ".pdf"),
    (image("JPEG"), "plan.php.jpg", ".jpg"),
    (image("PNG"), "plan.exe.png", ".png"),
    (pdf() + b"<html><script>alert(1)</script></html>", "plan.html", ".pdf"),  # a PDF that is also HTML
    (image("JPEG") + b"<html><script>alert(1)</script></html>", "photo.jpg", ".jpg"),  # HTML after the JPEG
    (docx({"../../../evil.sh": "rm -rf /", "/etc/cron.d/x": "* * * * * x"}), "plan.docx", ".docx"),
])
def test_double_extensions_and_polyglots_are_served_only_as_their_real_type(client, store, participant, folder,  # noqa: F811
                                                                           data, name, stored_as):
    application_id, _trainer = participant
    response, download = _uploaded(client, store, application_id, folder, data, name)
    assert response.status_code == 302
    assert everything_written(folder) == [f"store/plans/{store.scalar(sa.select(BusinessPlan.stored_name))}"]
    assert store.scalar(sa.select(BusinessPlan.stored_name)).endswith(stored_as)
    filename = parse_options_header(download.headers["Content-Disposition"])[1]["filename"]
    assert filename.endswith(stored_as) and not filename.endswith((".exe", ".html", ".php"))
    assert download.data == data and download.mimetype != "text/html"


@pytest.mark.parametrize("data, name", [
    (b"MZ\x90\x00" + b"\x00" * 60, "plan.exe.pdf"),
    (b"<?php system($_GET['c']); ?>", "plan.php.jpg"),
    (b"<html><script>alert(1)</script></html>", "plan.pdf"),
    (b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "plan.png"),
    (b"#!/bin/sh\nrm -rf /\n", "plan.docx"),
    (b"PK\x03\x04" + b"\x00" * 40, "plan.docx"),
])
def test_content_that_is_not_a_plan_is_refused_and_nothing_is_kept(client, store, participant, folder,  # noqa: F811
                                                                   data, name):
    application_id, _trainer = participant
    response, _download = _uploaded(client, store, application_id, folder, data, name)
    assert response.status_code == 422
    assert store.count(BusinessPlan) == 0 and everything_written(folder) == []


def _traversal_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("../../../../tmp/evil.txt", "x")
    return out.getvalue()


def test_a_zip_with_a_traversal_entry_that_is_no_document_is_refused(client, store, participant, folder):  # noqa: F811
    response, _download = _uploaded(client, store, participant[0], folder, _traversal_zip(), "plan.docx")
    assert response.status_code == 422 and store.count(BusinessPlan) == 0 and everything_written(folder) == []


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 3 * MAX_BYTES])
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_an_oversized_upload_gets_a_clear_message_and_nothing_is_stored(client, store, participant, folder,  # noqa: F811
                                                                        size, locale):
    client.set_cookie("lang", locale)
    data = pdf() + b"0" * (size - len(pdf()))
    response = send(as_participant(client, participant[0]), "/plans/upload", data, "plan.pdf")
    assert response.status_code in (413, 422)
    assert shows(response, translated("The file is larger than 10 MB. Make it smaller (for example, save the scans "
                                      "in lower quality) and upload it again.", locale))
    assert "<form" in page_text(response)  # the form again, not a bare error page
    assert store.count(BusinessPlan) == 0 and everything_written(folder) == []


def _xlsx_upload(client, url: str, data: bytes, name: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/yearly-plans/"), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("data, name", [
    (b"<html><script>alert(1)</script></html>", "../../plan.xlsx"),
    (_traversal_zip(), "..\\..\\plan.xlsx"),
    (docx(), "plan.xlsx.exe"),
    (b"=HYPERLINK(\"http://evil.example\")", "plan.csv"),
    (b"PK\x03\x04" + b"0" * (1024 * 1024 + 10), "plan.xlsx"),  # over 1 MB
])
def test_the_plan_template_upload_refuses_what_is_not_its_workbook(app, store, make_user, tmp_path, data, name):
    from bastau.models import AuditEntry, NationalPlan
    admin = app.test_client()
    login(admin, make_user(Role.NATIONAL_ADMIN))
    url = f"/yearly-plans/{today().year}/upload"
    response = _xlsx_upload(admin, url, data, name)
    assert response.status_code in (413, 422)
    assert "<form" in page_text(response) and SCRIPT not in page_text(response)
    assert store.count(NationalPlan) == 0 and store.count(AuditEntry) == 0
    assert not (tmp_path.parent / "plan.xlsx").exists()


# ---- Header injection and open redirects ----

OFF_SITE = ["https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
            "/\t/evil.example", "https:evil.example", "javascript:alert(1)", " //evil.example", "http://localhost@evil.example",
            "/%0d%0aSet-Cookie:%20a=b", "/\r\nSet-Cookie: a=b", "/\u202e/evil.example"]


def _stays_on_site(response) -> None:
    assert response.status_code in (301, 302, 303, 307, 308), response.status_code
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "\r" not in location and "\n" not in location and "evil.example" not in location, location
    assert "Set-Cookie" not in response.headers or "a=b" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_leaves_the_site(client, target):
    _stays_on_site(client.get("/lang/ru", query_string={"next": target}))


def test_the_language_switch_comes_back_to_the_same_page(client):
    assert client.get("/lang/ru", query_string={"next": "/apply?x=1"}).headers["Location"] == "/apply?x=1"


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_sends_off_site(app, make_user, target):
    user = make_user(Role.CENTRE_OFFICER)
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/login", query_string={"next": target},
                           data={"login": user.username, "password": "correct horse 42", "csrf_token": token})
    _stays_on_site(response)


def test_sign_in_comes_back_to_the_page_asked_for(app, make_user):
    user = make_user(Role.CENTRE_OFFICER)
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/login?next=/centre/", data={"login": user.username, "password": "correct horse 42",
                                                               "csrf_token": token})
    assert response.headers["Location"] == "/centre/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_queue_decision_never_redirects_off_site(app, make_user, make_application, target):
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    application_id = make_application()
    response = post_form(officer, "/centre/decide", {"application": [str(application_id)], "action": "confirm",
                                                     "next": target, "back": "status=submitted"}, page="/centre/")
    _stays_on_site(response)


def test_the_queue_filters_carried_through_a_decision_cannot_inject_headers(app, make_user, make_application):
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    application_id = make_application()
    response = post_form(officer, "/centre/decide", {"application": [str(application_id)], "action": "confirm",
                                                     "back": "status=\r\nSet-Cookie: a=b&q=\nx"}, page="/centre/")
    _stays_on_site(response)
    assert response.headers["Location"].startswith("/centre/?status=")
    kept = post_form(officer, "/centre/decide", {"application": [str(application_id)], "action": "confirm",
                                                 "back": "status=&sort=oldest"}, page="/centre/")
    assert kept.headers["Location"] == "/centre/?status=&sort=oldest"  # "all statuses" survives the round trip
