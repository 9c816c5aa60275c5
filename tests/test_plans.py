"""Business plans: the type is read from the content, files and rows stay consistent, and only the right people
(participant, their trainer, chamber staff and commission of the district) can read a plan."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from bastau.clock import today
from bastau.extensions import db
from bastau.models import Application, AuditEntry, BusinessPlan, Cohort, Role, Status
from tests.conftest import csrf_token, login, translated

OWN, OTHER = "195200000", "615200000"
SUMMARY = {"sector": "trade", "village": "Қаскелең", "amount_needed": "1 500 000", "jobs_planned": "2"}


@pytest.fixture(autouse=True)
def folder(app, tmp_path, monkeypatch) -> Path:
    """Each test stores plans in its own folder."""
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "plans"))
    return tmp_path / "plans"


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


# ---- Small valid files of each accepted type ----

def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n" \
           b"trailer<</Root 1 0 R>>\n%%EOF\n"


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, kind)
    return out.getvalue()


def docx(extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest/>')
    return out.getvalue()


# ---- People ----

@pytest.fixture
def participant(app, make_user, make_application):
    """An application in training, in a cohort of the district's trainer; returns (application_id, trainer)."""
    trainer = make_user(Role.TRAINER, OWN)
    application_id = make_application(OWN, status=Status.IN_TRAINING)
    with app.app_context():
        from tests.conftest import district
        start = today() - timedelta(days=3)
        cohort = Cohort(district_id=district(OWN).id, programme_year=start.year, number=1, language="kk",
                        venue="—", start_date=start, training_days=25, capacity=30, trainer_id=trainer.id,
                        created_by_id=trainer.id)
        db.session.add(cohort)
        db.session.flush()
        db.session.get(Application, application_id).cohort_id = cohort.id
        db.session.commit()
    return application_id, trainer


def as_participant(client, application_id: int):
    with client.session_transaction() as session:
        session["status_application_id"] = application_id
    return client


def send(client, url: str, data: bytes, name: str, summary: dict | None = None):
    token = csrf_token(client, url)
    form = {**(SUMMARY if summary is None else summary), "csrf_token": token}
    if data is not None:
        form["plan"] = (io.BytesIO(data), name)
    return client.post(url, data=form, content_type="multipart/form-data")


def plans_of(store, application_id: int) -> list[BusinessPlan]:
    return store.scalars(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id)
                         .order_by(BusinessPlan.version))


# ---- Accepted types ----

@pytest.mark.parametrize("data, name, content_type, extension", [
    (pdf(), "plan.pdf", "application/pdf", ".pdf"),
    (image("PNG"), "plan.png", "image/png", ".png"),
    (image("JPEG"), "plan.jpg", "image/jpeg", ".jpg"),
    (docx(), "plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    (odt(), "plan.odt", "application/vnd.oasis.opendocument.text", ".odt"),
])
def test_each_accepted_type_is_stored_under_a_generated_name(client, store, folder, participant, data, name,
                                                            content_type, extension):
    application_id, _trainer = participant
    response = send(as_participant(client, application_id), "/plans/upload", data, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [plan] = plans_of(store, application_id)
    assert (plan.content_type, plan.size, plan.version, plan.uploaded_by_id) == (content_type, len(data), 1, None)
    assert (plan.sector.value, plan.village, plan.amount_needed, plan.jobs_planned) == ("trade", "Қаскелең",
                                                                                         1_500_000, 2)
    assert plan.stored_name.endswith(extension) and plan.stored_name != name
    [file] = stored_files(folder)
    assert file.name == plan.stored_name and file.read_bytes() == data
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.application_id == application_id,
                                                     AuditEntry.action == "plan_uploaded"))
    assert entry.actor_id is None and entry.note == "v1"


# ---- Refused files: nothing stored ----

def zip_bomb() -> bytes:
    """A DOCX whose entries claim to unpack to more than 50 MB (zeros compress to almost nothing)."""
    return docx({f"word/media/zeros{i}.bin": b"\0" * (11 * 1024 * 1024) for i in range(5)})


def many_entries() -> bytes:
    return docx({f"word/part{i}.xml": "<x/>" for i in range(1000)})


@pytest.mark.parametrize("data, name", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 500, "plan.pdf"),
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "plan.docx"),
    (zip_bomb(), "plan.docx"),
    (many_entries(), "plan.docx"),
    (b"PK\x03\x04 not really a zip", "plan.docx"),
    (b"\x89PNG\r\n\x1a\n broken", "plan.png"),
    (b"", "plan.pdf"),
])
def test_refused_content_stores_nothing_and_says_why(client, store, folder, participant, data, name):
    application_id, _trainer = participant
    response = send(as_participant(client, application_id), "/plans/upload", data, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="plan-error"' in page and 'id="choose-again"' in page
    assert 'value="Қаскелең"' in page and 'value="1 500 000"' in page  # what was typed is kept
    assert plans_of(store, application_id) == [] and stored_files(folder) == []
    assert store.count(AuditEntry, AuditEntry.action == "plan_uploaded") == 0


def test_a_file_over_10_mb_is_refused_with_a_message(client, store, folder, participant):
    application_id, _trainer = participant
    response = send(as_participant(client, application_id), "/plans/upload",
                    b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1 - 9), "plan.pdf")
    assert response.status_code == 422
    assert 'id="plan-error"' in response.get_data(as_text=True)
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


def test_a_far_larger_request_gets_the_page_not_a_bare_413(client, store, folder, participant):
    application_id, _trainer = participant
    client.set_cookie("lang", "ru")
    response = send(as_participant(client, application_id), "/plans/upload", b"%PDF-1.4\n" + b"0" * (22 << 20),
                    "plan.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'id="plan-error"' in page and 'id="plan-form"' in page and 'lang="ru"' in page
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


def test_a_far_larger_request_keeps_everything_typed(client, store, folder, participant):
    """Issue 14: an oversized file used to wipe the summary; the fields sent before the file are kept."""
    application_id, _trainer = participant
    summary = {"sector": "services", "village": "Ұзынағаш «Жаңа» ауылы", "amount_needed": "2 400 000",
               "jobs_planned": "3"}
    response = send(as_participant(client, application_id), "/plans/upload", b"%PDF-1.4\n" + b"0" * (22 << 20),
                    "plan.pdf", summary)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'value="Ұзынағаш «Жаңа» ауылы"' in page and 'value="2 400 000"' in page and 'value="3"' in page
    assert re.search(r'<input[^>]*checked[^>]*value="services"|<input[^>]*value="services"[^>]*checked', page)
    assert page_error(page) == translated("The file is larger than 10 MB. Make it smaller (for example, save the "
                                          "scans in lower quality) and upload it again.", "kk")


def test_photos_far_too_large_together_say_so_and_keep_what_was_typed(client, store, folder, participant):
    application_id, _trainer = participant
    client.set_cookie("lang", "ru")
    token = csrf_token(as_participant(client, application_id), "/plans/upload")
    photo = b"\xff\xd8\xff" + b"0" * (8 << 20)
    response = client.post("/plans/upload", data={**SUMMARY, "village": "Шамалған", "csrf_token": token,
                                                  "plan": [(io.BytesIO(photo), f"IMG_{n}.jpg") for n in range(3)]},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert page_error(page) == translated("The photos together are larger than 20 MB. Take them in lower quality "
                                          "(or send fewer) and upload them again.", "ru")
    assert 'value="Шамалған"' in page and stored_files(folder) == []


def test_an_expired_form_keeps_everything_typed(app, client, store, participant):
    application_id, _trainer = participant
    as_participant(client, application_id)
    response = client.post("/plans/upload", data={**SUMMARY, "csrf_token": "stale", "village": "Шамалған",
                                                  "plan": (io.BytesIO(pdf()), "plan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="notice"' in page and 'value="Шамалған"' in page and 'value="1 500 000"' in page


def page_error(page: str) -> str:
    return re.search(r'id="plan-error"[^>]*>([^<]*)<', page).group(1)


def test_summary_errors_keep_what_was_typed(client, store, participant):
    application_id, _trainer = participant
    response = send(as_participant(client, application_id), "/plans/upload", pdf(), "plan.pdf",
                    {"sector": "", "village": "Ақсай", "amount_needed": "бір миллион", "jobs_planned": "-2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("sector", "amount_needed", "jobs_planned"):
        assert f'id="{field}-error"' in page
    assert 'value="Ақсай"' in page and 'value="бір миллион"' in page and 'value="-2"' in page
    assert plans_of(store, application_id) == []


def test_no_file_chosen_is_an_error_on_the_file_field(client, store, participant):
    application_id, _trainer = participant
    response = send(as_participant(client, application_id), "/plans/upload", None, "")
    assert response.status_code == 422 and 'id="plan-error"' in response.get_data(as_text=True)


# ---- Names, versions, downloads ----

def test_kazakh_name_kept_and_used_for_download_and_versions_kept(client, store, participant):
    application_id, trainer = participant
    as_participant(client, application_id)
    assert send(client, "/plans/upload", pdf(), "../../Бизнес-жоспар.pdf").status_code == 302
    assert send(client, "/plans/upload", docx(), "Бизнес-жоспар (түзетілген).docx").status_code == 302
    first, second = plans_of(store, application_id)
    assert (first.version, second.version) == (1, 2)
    assert first.original_name == "Бизнес-жоспар.pdf"
    response = client.get("/plans/mine/1")
    assert response.status_code == 200 and response.data == pdf()
    assert response.mimetype == "application/pdf"
    assert "filename*=UTF-8''%D0%91%D0%B8%D0%B7%D0%BD%D0%B5%D1%81-%D0%B6%D0%BE%D1%81%D0%BF%D0%B0%D1%80.pdf" \
        in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    status_page = client.get("/status/view").get_data(as_text=True)
    assert 'id="plan-v1"' in status_page and 'id="plan-v2"' in status_page and 'href="/plans/upload"' in status_page


@pytest.mark.parametrize("given, kept", [
    ("C:\\Users\\Дана\\Бизнес-жоспар.pdf", "Бизнес-жоспар.pdf"),
    ("Бизнес\x00-жоспар\u202e.pdf\r\n", "Бизнес-жоспар.pdf"),
    (unicodedata.normalize("NFD", "Жоспар й.pdf"), "Жоспар й.pdf"),  # macOS sends decomposed letters
    ("", "business-plan.pdf"),
    ("ә" * 300 + ".pdf", "ә" * 251 + ".pdf"),
])
def test_original_name_is_cleaned_not_replaced(given, kept):
    from bastau.plans.services import PDF, clean_name
    assert clean_name(given, PDF) == kept


def test_a_png_named_pdf_downloads_as_png(client, participant):
    application_id, _trainer = participant
    as_participant(client, application_id)
    assert send(client, "/plans/upload", image("PNG"), "scan.pdf").status_code == 302
    response = client.get("/plans/mine/1")
    assert response.mimetype == "image/png" and "scan.png" in response.headers["Content-Disposition"]


def test_trainer_uploads_for_a_participant_of_their_cohort(client, store, participant):
    application_id, trainer = participant
    login(client, trainer)
    response = send(client, f"/plans/applications/{application_id}/upload", pdf(), "жоспар.pdf")
    assert response.status_code == 302
    [plan] = plans_of(store, application_id)
    assert plan.uploaded_by_id == trainer.id
    assert store.scalar(sa.select(AuditEntry.actor_id).where(AuditEntry.action == "plan_uploaded")) == trainer.id
    page = client.get(f"/plans/applications/{application_id}").get_data(as_text=True)
    assert 'id="plan-v1"' in page and "Тест Қызметкер" in page


def test_who_may_read_a_plan(app, client, store, make_user, participant):
    application_id, trainer = participant
    assert send(as_participant(client, application_id), "/plans/upload", pdf(), "plan.pdf").status_code == 302
    url = f"/plans/applications/{application_id}/versions/1"

    def status_for(user) -> int:
        reader = app.test_client()
        login(reader, user)
        return reader.get(url).status_code

    assert status_for(trainer) == 200
    assert status_for(make_user(Role.TRAINER, OWN, username="another-trainer")) == 404
    assert status_for(make_user(Role.CHAMBER_STAFF, OWN)) == 200
    assert status_for(make_user(Role.COMMISSION, OWN)) == 200
    assert status_for(make_user(Role.CHAMBER_STAFF, OTHER)) == 404
    assert status_for(make_user(Role.COMMISSION, OTHER)) == 404
    assert status_for(make_user(Role.OPERATOR, OWN)) == 403
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 302
    assert anonymous.get("/plans/mine/1").status_code == 404
    assert as_participant(app.test_client(), application_id + 1000).get("/plans/mine/1").status_code == 404


def test_another_trainer_cannot_upload(client, store, make_user, participant):
    application_id, _trainer = participant
    login(client, make_user(Role.TRAINER, OWN, username="another-trainer"))
    assert client.get(f"/plans/applications/{application_id}/upload").status_code == 404
    assert plans_of(store, application_id) == []


@pytest.mark.parametrize("status", [Status.ENROLLED, Status.EXPELLED, Status.TEST_PASSED])
def test_only_participants_in_or_after_training_upload(client, store, folder, make_application, status):
    application_id = make_application(OWN, status=status)
    as_participant(client, application_id)
    assert client.get("/plans/upload").status_code == 403
    assert 'id="plan-upload"' not in client.get("/status/view").get_data(as_text=True)
    response = client.post("/plans/upload", data={**SUMMARY, "plan": (io.BytesIO(pdf()), "plan.pdf"),
                                                  "csrf_token": csrf_token(client, "/status")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


def test_without_the_status_look_up_the_upload_page_sends_to_it(client):
    response = client.get("/plans/upload")
    assert response.status_code == 302 and response.location.endswith("/status")


# ---- Crash safety ----

def test_a_failed_commit_leaves_no_file_behind(client, store, folder, participant, monkeypatch):
    application_id, _trainer = participant
    as_participant(client, application_id)
    token = csrf_token(client, "/plans/upload")

    def broken_commit():
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        client.post("/plans/upload", data={**SUMMARY, "plan": (io.BytesIO(pdf()), "plan.pdf"), "csrf_token": token},
                    content_type="multipart/form-data")
    monkeypatch.undo()
    assert plans_of(store, application_id) == []
    assert stored_files(folder) == []
