"""A full disk (issue 15, item 6): the plan folder, the temporary folder or the database out of room answers a
clear page (503, in kk and ru) that says nothing was lost, gives back what was typed, and leaves nothing
half-saved; /healthz says so before people meet it.

Where this machine lets us (root, tmpfs), the disk really is full: a 1 MB tmpfs for the plan folder, a few MB for
a SQLite database. Elsewhere those tests skip with the reason and the simulated ones (ENOSPC / EDQUOT from the
file system, SQLITE_FULL / DiskFull from the database driver) still run."""
from __future__ import annotations

import errno
import html
import io
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from bastau import create_app, disk_full, health
from bastau.clock import today
from bastau.extensions import db
from bastau.models import AuditEntry, MciRate, Role
from bastau.plans import services, storage
from bastau.reference import load_all
from tests.conftest import PASSWORD, csrf_token, login, page_text, translated
from tests.test_plans import SUMMARY, as_participant, folder, participant, plans_of, send  # noqa: F401
from tests.test_trainer import group, trainer  # noqa: F401

NO_ROOM = ("There is no room to save the file right now. Nothing was lost: your earlier versions are safe and this "
           "one was not saved. Please try again in a few minutes (choose the file again).")
TITLE = "There is no room to save right now"
NOTHING_LOST = ("Nothing was lost: what you sent was not saved, and everything saved before is safe. Please try "
                "again in a few minutes.")
SAVED_THEN_FULL = ("What you sent was saved, but there was no room to finish the answer. Do not send it again: open "
                   "the page again in a few minutes to see it.")
NEXT_YEAR = date(today().year + 2, 1, 1)  # as far ahead as an MCI may be entered: never in the reference data yet
MCI = {"valid_from": NEXT_YEAR.isoformat(), "amount": "4500",
       "law": f"Закон РК «О республиканском бюджете на {NEXT_YEAR.year}–{NEXT_YEAR.year + 2} годы»"}
MCI_URL = "/admin/reference/mci/new"


@pytest.fixture(autouse=True)
def _forget_full_disks(monkeypatch):
    """A full disk met by one test must not make /healthz fail for the tests after it (on PostgreSQL it says
    "disk full" for ten minutes after meeting one)."""
    monkeypatch.setattr(disk_full, "_last_seen", [])


def a_pdf(kilobytes: int) -> bytes:
    """A plain PDF of about this size (the padding is a comment)."""
    return (b"%PDF-1.4\n%" + b"0" * (kilobytes * 1024) + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def text_of(response) -> str:
    return html.unescape(page_text(response))


# ---- A small real file system ----

def mount_small(folder: Path, size: str) -> Path:
    """A tmpfs of `size` at `folder`, or skip saying why (not root, or no permission to mount here)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8); the simulated full-disk tests cover this")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the simulated full-disk tests cover this")
    return folder


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system with one file until it refuses (ENOSPC), then give back `leave` bytes."""
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    # What the last refused write had buffered is dropped; measure what really landed.
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@pytest.fixture
def small_plan_folder(app, monkeypatch, tmp_path, folder):  # noqa: F811 - test_plans' folder fixture, replaced
    mounted = mount_small(tmp_path / "small", "1m")
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(mounted / "plans"))
    yield mounted
    unmount(mounted)


def test_a_full_plan_folder_answers_503_keeps_the_summary_and_stores_nothing(app, client, store,
                                                                              small_plan_folder, participant):
    application_id, _trainer = participant
    as_participant(client, application_id)
    first = a_pdf(20)
    assert send(client, "/plans/upload", first, "plan.pdf").status_code == 302
    (v1,) = (small_plan_folder / "plans").iterdir()
    filler = fill(small_plan_folder, leave=40 * 1024)
    for locale in ("kk", "ru"):
        client.set_cookie("lang", locale)
        response = send(client, "/plans/upload", a_pdf(300), "plan.pdf")
        assert response.status_code == 503
        page = text_of(response)
        assert translated(NO_ROOM, locale) in page
        assert 'value="Қаскелең"' in page and 'value="1 500 000"' in page  # what was typed is kept
    # Nothing half-written stays (no temporary file), nothing acknowledged is lost, no row without its file.
    assert sorted(p.name for p in (small_plan_folder / "plans").iterdir()) == [v1.name]
    assert [plan.version for plan in plans_of(store, application_id)] == [1]
    assert store.count(AuditEntry, AuditEntry.action == "plan_uploaded") == 1
    assert client.get("/plans/mine/1").data == first
    filler.unlink()  # room again: the same upload goes through as the next version
    assert send(client, "/plans/upload", a_pdf(300), "plan.pdf").status_code == 302
    assert [plan.version for plan in plans_of(store, application_id)] == [1, 2]


def test_healthz_says_the_plan_folder_is_low_on_space(app, client, small_plan_folder, monkeypatch):
    (small_plan_folder / "plans").mkdir()
    same_revision(app, monkeypatch)
    monkeypatch.setitem(app.config, "PLAN_STORAGE_MIN_FREE_MB", 0.5)
    assert client.get("/healthz").json["checks"]["plan_storage"] == "ok"
    fill(small_plan_folder, leave=100 * 1024)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "fail"
    assert response.json["checks"]["plan_storage"] == "fail: low on space"


# ---- A real SQLite database on a small file system ----

@pytest.fixture
def small_database(tmp_path):
    """An app of its own whose SQLite database (and plan folder) live on an 8 MB tmpfs."""
    mounted = mount_small(tmp_path / "smalldb", "8m")
    own = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{mounted / 'bastau.sqlite'}",
                      "SECRET_KEY": "full-disk", "RATELIMIT_STORAGE_URI": "memory://",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "PLAN_STORAGE": str(mounted / "plans"),
                      "LOGIN_LIMIT": "1000 per minute"})
    from flask_migrate import upgrade
    with own.app_context():
        upgrade(revision="heads")
        load_all()
        from bastau.models import User
        admin = User(username="national", full_name="Тест Әкімші", role=Role.NATIONAL_ADMIN,
                     must_change_password=False)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
        db.session.refresh(admin)
        db.session.expunge(admin)
    yield own, mounted, admin
    with own.app_context():
        db.engine.dispose()
    unmount(mounted)


def test_a_full_sqlite_database_answers_503_keeps_the_form_and_stays_consistent(small_database):
    own, mounted, admin = small_database
    client = own.test_client()
    login(client, admin)
    client.set_cookie("lang", "ru")
    token = csrf_token(client, MCI_URL)
    with own.app_context():
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))  # every new write must now grow a file
        db.session.remove()
    filler = fill(mounted)
    response = client.post(MCI_URL, data={**MCI, "csrf_token": token})
    assert response.status_code == 503, text_of(response)[:2000]
    page = text_of(response)
    assert translated(TITLE, "ru") in page and translated(NOTHING_LOST, "ru") in page
    assert f'value="{MCI["law"]}"' in page  # what was typed comes back, in a form that sends it again
    assert response.headers["Retry-After"]
    filler.unlink()
    with own.app_context():
        assert db.session.scalar(sa.text("PRAGMA integrity_check")) == "ok"
        assert db.session.get(MciRate, NEXT_YEAR) is None  # rolled back: nothing half-saved
        db.session.remove()
    again = send_again(client, response)
    assert again.status_code == 302, text_of(again)[:2000]
    with own.app_context():
        assert db.session.get(MciRate, NEXT_YEAR).amount == 4500
        db.session.remove()


def send_again(client, response):
    """Press "Send again" on the full-disk page: post its hidden fields where its form points."""
    page = page_text(response)
    form = re.search(r'<form method="post" action="([^"]+)" id="send-again">(.*?)</form>', page, re.S)
    assert form, "no Send again form on the page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return client.post(html.unescape(form.group(1)), data={k: html.unescape(v) for k, v in fields.items()})


# ---- Simulated: the file system says ENOSPC or EDQUOT ----

@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_plan_file_cut_short_by_a_full_disk_is_removed(app, client, store, folder, participant, monkeypatch,
                                                          code):
    application_id, _trainer = participant
    real_copy = shutil.copyfileobj

    def half_then_full(source, target, length=0):
        target.write(source.read(10_000))  # half a file is on disk when the disk refuses the rest
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(storage.shutil, "copyfileobj", half_then_full)
    client.set_cookie("lang", "kk")
    response = send(as_participant(client, application_id), "/plans/upload", a_pdf(50), "plan.pdf")
    monkeypatch.setattr(storage.shutil, "copyfileobj", real_copy)
    assert response.status_code == 503
    assert translated(NO_ROOM, "kk") in text_of(response) and 'value="Қаскелең"' in text_of(response)
    assert list(folder.iterdir()) == []  # the half-written temporary file is gone
    assert plans_of(store, application_id) == []


def test_a_full_temporary_folder_while_receiving_the_upload(app, client, store, folder, participant, monkeypatch):
    application_id, _trainer = participant

    class FullSpool(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(services.tempfile, "SpooledTemporaryFile", lambda **_kwargs: FullSpool())
    response = send(as_participant(client, application_id), "/plans/upload", a_pdf(5), "plan.pdf")
    assert response.status_code == 503 and translated(NO_ROOM, "kk") in text_of(response)
    assert plans_of(store, application_id) == []


# ---- Simulated: the database driver says it is full ----

def driver_disk_full(app):
    """The error the database driver raises on a full disk: SQLITE_FULL, or PostgreSQL's DiskFull (53100)."""
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        import psycopg.errors
        return psycopg.errors.DiskFull("could not extend file: No space left on device")
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = disk_full.SQLITE_FULL
    return error


@pytest.fixture
def full_on_insert(app):
    """Every INSERT into the named tables fails as on a full disk (the driver's own error, wrapped by SQLAlchemy)."""
    tables: list[str] = []

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if any(statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}") for table in tables):
            raise driver_disk_full(app)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse)
    yield tables
    sa.event.remove(engine, "before_cursor_execute", refuse)


def test_a_full_database_while_storing_a_plan_removes_the_file(app, client, store, folder, participant,
                                                                full_on_insert):
    application_id, _trainer = participant
    full_on_insert.append("business_plan")
    client.set_cookie("lang", "ru")
    response = send(as_participant(client, application_id), "/plans/upload", a_pdf(5), "plan.pdf")
    assert response.status_code == 503
    assert translated(NO_ROOM, "ru") in text_of(response)
    assert list(folder.iterdir()) == [] and plans_of(store, application_id) == []  # no file without its row


@pytest.fixture
def national(app, make_user, store):
    """A national administrator about to add next year's MCI (reference data: removed again afterwards)."""
    client = app.test_client()
    login(client, make_user(Role.NATIONAL_ADMIN))
    yield client
    store.execute(sa.delete(MciRate).where(MciRate.valid_from == NEXT_YEAR))


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_full_database_answers_the_page_that_sends_the_form_again(app, store, national, full_on_insert, locale):
    full_on_insert.append("mci_rate")
    national.set_cookie("lang", locale)
    response = national.post(MCI_URL, data={**MCI, "csrf_token": csrf_token(national, MCI_URL)})
    assert response.status_code == 503 and response.headers["Retry-After"] == "120"
    assert response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    assert translated(TITLE, locale) in page and translated(NOTHING_LOST, locale) in page
    assert f'value="{MCI["law"]}"' in page and 'value="4500"' in page
    assert store.count(MciRate, MciRate.valid_from == NEXT_YEAR) == 0
    assert store.count(AuditEntry, AuditEntry.action == "mci_added") == 0
    full_on_insert.clear()  # room again
    assert send_again(national, response).status_code == 302
    assert store.count(MciRate, MciRate.valid_from == NEXT_YEAR) == 1


def test_a_full_database_never_writes_a_password_into_the_page(app, make_user, full_on_insert, monkeypatch):
    user = make_user(Role.NATIONAL_ADMIN)
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    full_on_insert.append("web_session")  # signing in writes a new session row
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.post("/staff/login", data={"login": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 503, text_of(response)[:1000]
    assert PASSWORD not in page_text(response) and 'name="password"' not in page_text(response)


def test_htmx_gets_the_message_in_place(app, national, full_on_insert):
    full_on_insert.append("mci_rate")
    response = national.post(MCI_URL, data={**MCI, "csrf_token": csrf_token(national, MCI_URL)},
                             headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert "data-htmx-error" in page_text(response) and translated(TITLE, "kk") in text_of(response)
    assert "<html" not in page_text(response)


def test_a_full_disk_met_after_saving_says_it_was_saved(app, store, national, monkeypatch):
    """The view committed, then writing the session row met the full disk: the page must not say "not saved" nor
    offer to send it again (that would be a second copy)."""
    token = csrf_token(national, MCI_URL)
    interface = app.session_interface
    real_save = interface.save_session

    def full_session_row(*args, **kwargs):
        raise sa.exc.OperationalError("UPDATE web_session", {}, driver_disk_full(app))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(interface, "save_session", full_session_row)
    response = national.post(MCI_URL, data={**MCI, "csrf_token": token})
    monkeypatch.setattr(interface, "save_session", real_save)
    assert response.status_code == 503
    assert translated(SAVED_THEN_FULL, "kk") in text_of(response) and 'id="send-again"' not in page_text(response)
    assert store.count(MciRate, MciRate.valid_from == NEXT_YEAR) == 1


# ---- Telling a full disk from other failures ----

def wrapped(error: Exception) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT …", {}, error)


def test_what_counts_as_a_full_disk():
    import psycopg.errors
    full_sqlite = sqlite3.OperationalError("database or disk is full")
    locked = sqlite3.OperationalError("database is locked")
    assert disk_full.is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert disk_full.is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert disk_full.is_disk_full(wrapped(full_sqlite))
    assert disk_full.is_disk_full(wrapped(psycopg.errors.DiskFull("could not extend file")))
    assert psycopg.errors.DiskFull.sqlstate == "53100"
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise RuntimeError("while cleaning up")  # noqa: B904 - the full disk stays its cause
    except RuntimeError as during:
        assert disk_full.is_disk_full(during)
    for other in (wrapped(locked), OSError(errno.EACCES, "Permission denied"), RuntimeError("bug"),
                  wrapped(psycopg.errors.UniqueViolation("duplicate"))):
        assert not disk_full.is_disk_full(other), other


# ---- /healthz ----

def same_revision(app, monkeypatch) -> None:
    """The database check compares with the code's migration head; parallel branches in a working tree can have
    several, so take the database's own for these tests."""
    with app.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
    monkeypatch.setattr(health, "migrations_head", lambda: revision)


def test_healthz_fails_when_the_database_folder_is_low_on_space(app, client, monkeypatch, tmp_path):
    (tmp_path / "plans").mkdir()
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "plans"))
    same_revision(app, monkeypatch)
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    assert client.get("/healthz").status_code == 200
    monkeypatch.setitem(app.config, "DATABASE_MIN_FREE_MB", 10 ** 12)
    monkeypatch.setitem(app.config, "PLAN_STORAGE_MIN_FREE_MB", 10 ** 12)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["plan_storage"] == "fail: low on space"
    if sqlite:
        assert response.json["checks"]["database"] == "fail: low on space"


def test_healthz_counts_free_inodes_too(app, client, monkeypatch, tmp_path):
    (tmp_path / "plans").mkdir()
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "plans"))
    same_revision(app, monkeypatch)
    real = os.statvfs

    def no_inodes_left(path):
        stats = real(path)
        return os.statvfs_result((stats.f_bsize, stats.f_frsize, stats.f_blocks, stats.f_bfree, stats.f_bavail,
                                  stats.f_files or 1000, 10, 10, stats.f_flag, stats.f_namemax))
    monkeypatch.setattr(disk_full.os, "statvfs", no_inodes_left)
    assert client.get("/healthz").json["checks"]["plan_storage"] == "fail: low on space"


def test_healthz_on_postgresql_tells_a_disk_full_it_met(app, client, monkeypatch, tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's own disk is only known from DiskFull errors; SQLite's is measured (above)")
    (tmp_path / "plans").mkdir()
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "plans"))
    same_revision(app, monkeypatch)
    assert client.get("/healthz").json["checks"]["database"] == "ok"
    disk_full.remember()
    assert client.get("/healthz").json["checks"]["database"] == "fail: disk full"


# ---- In Chromium: the page on a phone and on a desk, and its button ----

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desk": {"width": 1280, "height": 800}}


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_full_disk_page_reads_well_and_sends_again(live_server, browser, make_user, store, full_on_insert,
                                                       locale, viewport):
    from tests.conftest import browser_sign_in
    from tests.test_upload_bombs import screenshot
    admin = make_user(Role.NATIONAL_ADMIN)
    context, page = browser_sign_in(browser, live_server, admin, locale, VIEWPORTS[viewport])
    page.goto(live_server + MCI_URL)
    page.fill("#valid_from", MCI["valid_from"])
    page.fill("#amount", MCI["amount"])
    page.fill("#law", MCI["law"])
    full_on_insert.append("mci_rate")
    with page.expect_navigation() as answer:
        page.click("main form button")
    assert answer.value.status == 503
    assert page.locator("h1").inner_text() == translated(TITLE, locale)
    assert translated(NOTHING_LOST, locale) in page.locator("main").inner_text()
    button = page.locator("#send-again button")
    assert button.is_visible() and button.bounding_box()["height"] >= 40
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    screenshot(page, f"full-disk-{locale}-{VIEWPORTS[viewport]['width']}.png")
    full_on_insert.clear()  # room again
    with page.expect_navigation() as again:
        button.click()
    assert again.value.status in (200, 303, 302) and "/mci" in page.url
    assert store.count(MciRate, MciRate.valid_from == NEXT_YEAR) == 1
    store.execute(sa.delete(MciRate).where(MciRate.valid_from == NEXT_YEAR))
    context.close()


def test_the_registers_script_gets_json_and_keeps_its_marks_to_send_again(app, store, full_on_insert, trainer,
                                                                          group):
    """Marks tapped offline are sent by static/js/register.js, which keeps its queue and retries on a 503 with a
    JSON answer (an HTML page would make it stop as if signed out)."""
    from bastau.models import Attendance
    from tests.test_trainer import day_of
    from tests.test_training_register import mark
    from tests.test_training_register import send as send_marks
    away, day_id = group["people"][1], day_of(group, 0)
    full_on_insert.append("attendance")
    response = send_marks(trainer, day_id, mark(away, "absent", "k-full-0001"))
    assert response.status_code == 503 and response.is_json and response.json["error"] == "no_room"
    assert store.count(Attendance) == 0
    full_on_insert.clear()
    again = send_marks(trainer, day_id, mark(away, "absent", "k-full-0001"))
    assert again.status_code == 200 and again.json["saved"] == ["k-full-0001"]


def test_an_application_sent_to_a_full_database_is_sent_again_and_made_once(app, store, full_on_insert):
    """The citizen's own path: the check page's Send meets a full disk; the page says nothing was lost and sends
    it again; once there is room, one application and its receipt."""
    from bastau.models import Application
    from tests.conftest import application_data, post_form
    from tests.journey import fill_in
    client = app.test_client()
    client.set_cookie("lang", "ru")
    data = application_data(app)
    assert fill_in(client, data).status_code == 302
    full_on_insert.append("application")
    response = post_form(client, "/apply/submit", {}, page="/apply/check")
    assert response.status_code == 503
    assert translated(NOTHING_LOST, "ru") in text_of(response)
    assert store.count(Application, Application.iin == data["iin"]) == 0
    full_on_insert.clear()
    again = send_again(client, response)
    assert again.status_code == 302 and again.location.endswith("/apply/done")
    assert 'id="reference"' in page_text(client.get(again.location))
    assert store.count(Application, Application.iin == data["iin"]) == 1


def test_a_full_temporary_folder_while_the_upload_is_read_off_the_request(app, client, store, participant, tmp_path,
                                                                          monkeypatch):
    """Werkzeug writes an upload over 500 KB to a temporary file as it reads the request: with that folder full,
    the answer is still the 503 page, and nothing is stored."""
    import tempfile

    from werkzeug.test import encode_multipart
    application_id, _trainer = participant
    as_participant(client, application_id)
    fields = {**SUMMARY, "csrf_token": csrf_token(client, "/plans/upload"),
              "plan": FileStorage(io.BytesIO(a_pdf(900)), "plan.pdf", content_type="application/pdf")}
    boundary, body = encode_multipart(fields)  # made before the folder is full: the test's own side needs room
    small = mount_small(tmp_path / "smalltmp", "1m")
    try:
        fill(small)
        monkeypatch.setattr(tempfile, "tempdir", str(small))
        response = client.post("/plans/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        monkeypatch.undo()
        assert response.status_code == 503, text_of(response)[:1500]
        page = text_of(response)
        assert translated(TITLE, "kk") in page or translated(NO_ROOM, "kk") in page
        assert plans_of(store, application_id) == []
    finally:
        monkeypatch.undo()
        unmount(small)
