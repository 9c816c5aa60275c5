"""Typed text can never flip or hide itself in a staff view: right-to-left overrides, zero-width characters, BOMs,
soft hyphens and other invisible format or control characters are taken out of everything a request brings (every
WTForms text field of every form, the query string, JSON bodies, file names), and the rest is NFC."""
from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sys
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
import wtforms
from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms.fields.core import UnboundField

import bastau
from bastau.collation import clean_text
from bastau.models import Application, Attendance, AuditEntry, Role
from tests.conftest import login, page_text, post_form
from tests.journey import apply, receipt_details
from tests.test_trainer import day_of, day_url, group, make_cohort, trainer  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
# Each hostile character of the report, between the letters of a word: what is left must read «Абвгдёжзий».
HOSTILE = {
    "right-to-left override": "\u202e", "left-to-right embedding": "\u202a", "pop directional formatting": "\u202c",
    "right-to-left isolate": "\u2067", "first strong isolate": "\u2068", "pop directional isolate": "\u2069",
    "right-to-left mark": "\u200f", "zero-width space": "\u200b", "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d", "word joiner": "\u2060", "byte order mark": "\ufeff", "soft hyphen": "\u00ad",
    "Arabic letter mark": "\u061c", "Mongolian vowel separator": "\u180e", "invisible times": "\u2062",
    "interlinear annotation": "\ufff9", "tag character": "\U000e0041", "escape": "\x1b", "backspace": "\x08",
    "delete": "\x7f", "C1 control": "\x85",
}
DIRTY = "\u202eАб\u200bв\ufeffг\u00adд\u2066" + "е\u0308" + "\u2069ж\u200dз\u2060и\x1b" + "и\u0306"
CLEAN = "Абвгдёжзий"


def invisible(text: str) -> list[str]:
    """The characters of `text` no staff view may show: format and control characters other than line breaks."""
    return [f"U+{ord(ch):04X}" for ch in text
            if unicodedata.category(ch) == "Cf" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")]


def is_clean(text: str) -> bool:
    return not invisible(text) and unicodedata.is_normalized("NFC", text)


# ---- The rule ----

@pytest.mark.parametrize("name", HOSTILE)
def test_each_invisible_character_is_taken_out(name):
    assert clean_text(f"Бас{HOSTILE[name]}тау") == "Бастау"


def test_every_format_and_control_character_of_unicode_is_taken_out():
    from bastau.collation import FORMAT_AND_CONTROL_PLANES, _invisible
    everywhere = {code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) in ("Cf", "Cc")}
    assert all(any(code in plane for plane in FORMAT_AND_CONTROL_PLANES) for code in everywhere)  # all scanned
    assert {code for code in everywhere if not _invisible().fullmatch(chr(code))} == {0x09, 0x0A, 0x0D, 0x00}


def test_the_hostile_sample_reads_as_typed_and_is_nfc():
    assert clean_text(DIRTY) == CLEAN
    assert clean_text("е\u0308") == "ё" and clean_text("и\u0306") == "й"


@pytest.mark.parametrize("text", [
    "Әлия Қанатқызы Ұлықбекова, Ғалым Өмірұлы Һасанов, Іңкәр Үсенова",  # every Kazakh letter survives
    "Щёлково, подъезд № 3 — «Ёлочка»; 1 500 000 ₸",
    "за\u0301мок",  # a stress accent is a combining mark (Mn), not a format character: kept
    "Бірінші жол.\nЕкінші жол.\r\n\tТретье",  # line breaks and tabs of a note stay
    "1\u00a0500\u00a0000\u202f₸",  # no-break spaces stay
    "Тігін цехы 🧵👗",
])
def test_what_kazakh_and_russian_text_needs_is_kept(text):
    assert clean_text(text) == text


def test_a_nul_is_left_for_the_refusal_of_the_whole_request(client):
    assert clean_text("Тігін\x00") == "Тігін\x00"  # bastau.security answers 400: nobody types one
    assert client.get("/", query_string={"q": "Тігін\x00\u200b"}).status_code == 400


def test_unicode_line_separators_become_plain_line_breaks():
    assert clean_text("бір\u2028екі\u2029үш") == "бір\nекі\nүш"


# ---- At the request's door: every way a route reads text ----

def test_form_query_string_values_files_and_json_are_all_clean(app):
    upload = FileStorage(stream=__import__("io").BytesIO(b"%PDF-1.4"), filename="жоспар\u202efdp.exe",
                         content_type="application/pdf")
    with app.test_request_context(f"/?q={DIRTY}&{DIRTY}=x", method="POST",
                                  data={"note": DIRTY, "many": [DIRTY, "екі"], "plan": upload}):
        assert request.args["q"] == CLEAN and request.args[CLEAN] == "x"
        assert request.form["note"] == CLEAN and request.form.getlist("many") == [CLEAN, "екі"]
        assert request.values["q"] == CLEAN and request.values["note"] == CLEAN
        assert request.files["plan"].filename == "жоспарfdp.exe"
    body = {"marks": [{"note": DIRTY, DIRTY: [DIRTY, 3, None, True]}]}
    with app.test_request_context("/", method="POST", data=json.dumps(body), content_type="application/json"):
        assert request.get_json() == {"marks": [{"note": CLEAN, CLEAN: [CLEAN, 3, None, True]}]}
        assert request.json == request.get_json(silent=True) == request.get_json(force=True)


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(bastau.__path__, "bastau."):
        importlib.import_module(module.name)


def _every_form_class() -> list[type]:
    _import_every_module()
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("bastau.") and sub not in found:
                found.append(sub)
            todo.append(sub)
    return found


def _text_fields(form_class) -> dict[str, UnboundField]:
    """The form's fields that take typed text: every StringField kind (text, textarea, search, tel, password…)."""
    fields = {}
    for name in dir(form_class):
        value = getattr(form_class, name, None)
        if isinstance(value, UnboundField) and issubclass(value.field_class, wtforms.StringField):
            fields[name] = value
    return fields


def every_text_field() -> list[tuple[str, str, UnboundField]]:
    return [(f"{cls.__module__}.{cls.__qualname__}", name, field)
            for cls in _every_form_class() for name, field in _text_fields(cls).items()]


def test_every_text_field_of_every_form_receives_clean_text(app):
    fields = every_text_field()
    names = {f"{form}.{name}" for form, name, _ in fields}
    # The walk finds the fields of the report (and of every journey), not an empty list.
    assert {"bastau.apply.forms.ApplicationForm.business_idea", "bastau.centre.forms.RejectForm.note",
            "bastau.apply.forms.ApplicationForm.surname"} <= names
    assert len({form for form, _, _ in fields}) >= 12 and len(fields) >= 30
    dirty = {}
    for form, name, field in fields:
        with app.test_request_context("/", method="POST", data={name: DIRTY}):
            probe = type("Probe", (wtforms.Form,), {name: field})(formdata=request.form)
            value = probe[name].data
        if not isinstance(value, str) or not is_clean(value) or CLEAN.lower() not in value.lower():
            dirty[f"{form}.{name}"] = value
    assert dirty == {}


# ---- What is stored and what staff see ----

def staff_page_of(client, application_id: int) -> str:
    return page_text(client.get(f"/staff/applications/{application_id}"))


def test_an_application_typed_with_hostile_characters_is_stored_and_shown_clean(app, store, make_user):
    terminal = app.test_client()
    receipt = apply(terminal, app, surname="Сәрсен\u200bбаева", first_name="\ufeffӘйгерім\u202e",
                    business_idea="\u202eАуылда тігін цехын ашу\u2066 — " + DIRTY + "\u00ad")
    reference, _ = receipt_details(receipt)
    application = store.scalar(sa.select(Application).where(
        Application.id == Application.parse_reference(reference)[1]))
    assert application.surname == "Сәрсенбаева" and application.first_name == "Әйгерім"
    assert application.business_idea == "Ауылда тігін цехын ашу — " + CLEAN
    staff = app.test_client()
    login(staff, make_user(Role.CENTRE_OFFICER))
    page = staff_page_of(staff, application.id)
    assert "Ауылда тігін цехын ашу — " + CLEAN in page and "Сәрсенбаева" in page
    assert invisible(page) == []


def test_an_iin_pasted_with_invisible_characters_is_the_iin_that_was_typed(app, store):
    from tests.conftest import new_iin
    iin = new_iin()
    apply(app.test_client(), app, iin="\ufeff" + iin[:6] + "\u200b" + iin[6:] + "\u2060")
    assert store.scalars(sa.select(Application.iin)) == [iin]


def test_a_note_typed_with_hostile_characters_is_stored_and_shown_clean(app, client, store, make_user,
                                                                        make_application):
    login(client, make_user(Role.CENTRE_OFFICER))
    application_id = make_application()
    response = post_form(client, "/centre/decide", {"application": [str(application_id)], "action": "reject",
                                                    "reason": "employed", "note": "Жұмыс\u202e " + DIRTY},
                         page="/centre/")
    assert response.status_code in (200, 302, 303), page_text(response)[:500]
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "target_group_rejected"))
    assert entry.shown_note == "Жұмыс " + CLEAN
    page = staff_page_of(client, application_id)
    assert "Жұмыс " + CLEAN in page and invisible(page) == []


def test_a_note_read_by_hand_from_the_form_is_stored_and_shown_clean(app, store, make_user, make_application):
    """The chamber's review reads `request.form.get("note")` without WTForms: the note is clean all the same."""
    from bastau.models import ApplicantList, ListEntry, Status
    from tests.test_lists import current_list, entry_ids, review, send
    centre, chamber = app.test_client(), app.test_client()
    login(centre, make_user(Role.CENTRE_OFFICER))
    login(chamber, make_user(Role.CHAMBER_STAFF))
    person = make_application(status=Status.TARGET_GROUP_CONFIRMED)
    send(centre, [person])
    sent: ApplicantList = current_list(store)
    review(chamber, sent.id, [entry_ids(store, sent.id)[person]], action="return", reason="not_reachable",
           note="Телефон\u202e " + DIRTY)
    assert store.scalar(sa.select(ListEntry.note).where(ListEntry.application_id == person)) == "Телефон " + CLEAN
    page = page_text(centre.get(f"/lists/{sent.id}"))
    assert "Телефон " + CLEAN in page and invisible(page) == []


def test_a_search_typed_with_hostile_characters_is_shown_back_clean(client, make_user):
    login(client, make_user(Role.CHAMBER_STAFF))
    page = page_text(client.get("/chamber/tests", query_string={"q": DIRTY}, follow_redirects=True))
    assert f'value="{CLEAN}"' in page and invisible(page) == []


def test_a_mark_note_sent_as_json_by_the_register_is_stored_clean(store, trainer, group):  # noqa: F811
    from tests.test_training_register import mark, send
    person, day_id = group["people"][0], day_of(group, 0)
    response = send(trainer, day_id, mark(person, "excused", "k-clean-00001", reason="illness", note=DIRTY))
    assert response.status_code == 200 and response.json["saved"] == ["k-clean-00001"], response.json
    note = store.scalar(sa.select(Attendance.note).where(Attendance.application_id == person))
    assert note == CLEAN
    assert invisible(page_text(trainer.get(day_url(day_id)))) == []


# ---- Nothing reads input around the door ----

# Places allowed to read the raw body, each with the reason it is safe.
RAW_READERS = {
    # The 413 handler reads the fields before an oversized file to give the form back; they are only shown to the
    # person who typed them, never stored, and the upload is refused.
    "bastau/plans/routes.py": 'request.environ.get("wsgi.input")',
    # Puts the first bytes of the body back in front of the rest: the form is then parsed as usual (and cleaned).
    "bastau/web.py": 'request.environ["wsgi.input"] = _Replayed(start, stream)',
}


def test_no_route_reads_the_request_body_or_query_string_past_the_clean_text_door():
    raw = re.compile(r"request\.(get_data|data\b|stream|input_stream|query_string)|wsgi\.input|"
                     r"environ\[.QUERY_STRING|json\.loads\(request")
    found = {}
    for path in sorted((ROOT / "bastau").rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if raw.search(line) and not line.strip().startswith("#"):
                found[str(path.relative_to(ROOT))] = line.strip()
    assert {path: line for path, line in found.items() if RAW_READERS.get(path, "\0") not in line} == {}


def test_the_app_uses_the_clean_text_request(app):
    from bastau.forms import CleanTextRequest
    assert issubclass(app.request_class, CleanTextRequest)
