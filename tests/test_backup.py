"""`flask backup` / `flask restore` on the test database (SQLite, or PostgreSQL with BASTAU_TEST_DB=postgresql)."""
from __future__ import annotations

import io
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau import audit
from bastau.backup import BackupError, backup, plans_archive, restore
from bastau.extensions import db
from bastau.models import Application, AuditEntry, Status
from bastau.plans.storage import STORED_NAME, LocalStorage
from tests.journey import apply, look_up, receipt_details


@pytest.fixture(autouse=True)
def own_plan_storage(app, tmp_path, monkeypatch):
    """The session's app shares one plans folder with every other test: these tests count its files."""
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "plans"))


def is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def backup_path(app, folder: Path) -> Path:
    return folder / ("bastau.sqlite" if is_sqlite(app) else "bastau.dump")


def plan_files(folder) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir() if STORED_NAME.match(p.name))


def store_plan(app, content: bytes) -> str:
    return LocalStorage(app.config["PLAN_STORAGE"]).save(io.BytesIO(content), ".pdf")


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_round_trip_brings_back_the_data_and_plans_as_they_were_at_the_backup(app, client, store, receipt,
                                                                              make_application, tmp_path):
    kept_plan = store_plan(app, b"%PDF-1.4 the plan as it was")
    path = backup_path(app, tmp_path)
    result = cli(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert path.is_file() and plans_archive(path).is_file()

    # After the backup: a decision, a new application, a lost plan file and a new one.
    reference = receipt["reference"]
    number = Application.parse_reference(reference)[1]
    store.execute(sa.update(Application).where(Application.id == number).values(status=Status.NOT_TARGET_GROUP))
    with app.app_context():
        audit.record("not_target_group", None, db.session.get(Application, number))
        db.session.commit()
    make_application()
    (Path(app.config["PLAN_STORAGE"]) / kept_plan).unlink()
    newer_plan = store_plan(app, b"%PDF-1.4 uploaded after the backup")
    assert store.count(Application) == 2 and store.count(AuditEntry) == 2

    result = cli(app, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert store.count(Application) == 1
    assert store.scalar(sa.select(Application.status).where(Application.id == number)) == Status.SUBMITTED
    assert store.scalars(sa.select(AuditEntry.action)) == ["submitted"]
    folder = Path(app.config["PLAN_STORAGE"])
    assert plan_files(folder) == [kept_plan]
    assert (folder / kept_plan).read_bytes() == b"%PDF-1.4 the plan as it was"
    assert [plan_files(aside) for aside in folder.glob(".before-restore-*")] == [[newer_plan]]  # kept, not lost
    assert look_up(client, receipt).status_code == 302  # the receipt opens the restored application
    # The restored database takes new applications as before.
    assert receipt_details(apply(app.test_client(), app))[0] != reference


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(app, store, make_application, tmp_path):
    make_application()
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a database at all" * 100)
    result = cli(app, "restore", str(junk))
    assert result.exit_code == 1
    expected = "not a usable SQLite database" if is_sqlite(app) else "not a readable pg_dump custom-format archive"
    assert expected in result.output and str(junk) in result.output
    assert cli(app, "restore", str(tmp_path / "missing.sqlite")).exit_code == 1
    assert store.count(Application) == 1


def test_restore_refuses_a_database_that_is_not_bastaus(app, store, make_application, tmp_path):
    make_application()
    foreign = tmp_path / "other.backup"
    if is_sqlite(app):
        with sqlite3.connect(foreign) as other:
            other.execute("CREATE TABLE notes (text TEXT)")
        other.close()
    else:  # a dump of the server's maintenance database: a real archive, but not of Bastau
        url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql", database="postgres")
        subprocess.run(["pg_dump", "-Fc", f"--file={foreign}", f"--dbname={url.render_as_string(False)}"],
                       check=True)
    with pytest.raises(BackupError, match="but not .*Bastau") as refused:
        restore(app, foreign)
    assert "Nothing was restored" in str(refused.value)
    assert store.count(Application) == 1


@pytest.fixture
def sqlite_only(app):
    if not is_sqlite(app):
        pytest.skip("SQLite's own file checks")


def test_restore_refuses_a_damaged_copy(app, sqlite_only, store, make_application, tmp_path):
    make_application()
    path = backup_path(app, tmp_path)
    backup(app, path)
    make_application()
    damaged = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(damaged) - page, 3 * page):  # scribble over the middle of many pages
        damaged[start + 100:start + 400] = b"\x7f" * 300
    path.write_bytes(bytes(damaged))
    with pytest.raises(BackupError, match="integrity check|not a usable SQLite database"):
        restore(app, path)
    assert store.count(Application) == 2


def test_restore_refuses_while_something_still_has_the_database_open(app, sqlite_only, store, make_application,
                                                                      tmp_path):
    path = backup_path(app, tmp_path)
    backup(app, path)
    make_application()
    running_app = sqlite3.connect(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    try:
        running_app.execute("SELECT count(*) FROM application").fetchone()
        with pytest.raises(BackupError, match="in use. Stop every app server"):
            restore(app, path)
    finally:
        running_app.close()
    assert store.count(Application) == 1


def test_a_backup_taken_while_applications_arrive_is_a_consistent_snapshot(app, store, tmp_path):
    """Each application and its audit entry are written in one transaction: a copy has both or neither."""
    written, failures = [0], []
    stop, started = threading.Event(), threading.Event()

    def keep_applying() -> None:
        terminal = app.test_client()
        try:
            while not stop.is_set():
                apply(terminal, app)
                written[0] += 1
                if written[0] >= 3:
                    started.set()
        except Exception as error:  # reported by the assertion below
            failures.append(repr(error))
            started.set()

    writer = threading.Thread(target=keep_applying)
    writer.start()
    try:
        assert started.wait(timeout=60)
        at_start = written[0]
        path = backup_path(app, tmp_path)
        backup(app, path)
        at_end = written[0]
        for _ in range(2):  # the app goes on taking applications after the backup
            apply(app.test_client(), app)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not failures, failures
    restore(app, path)
    in_copy = store.count(Application)
    assert at_start <= in_copy <= at_end + 1
    assert store.count(AuditEntry, AuditEntry.action == "submitted") == in_copy


def test_restore_checks_the_plans_archive_before_touching_the_database(app, store, make_application, tmp_path):
    path = backup_path(app, tmp_path)
    backup(app, path)
    make_application()
    plans_archive(path).write_bytes(b"truncated in transit")
    with pytest.raises(BackupError, match="not a readable tar.*Nothing was restored"):
        restore(app, path)
    assert store.count(Application) == 1


def test_without_pg_dump_the_command_to_run_is_shown(app, monkeypatch, tmp_path):
    if is_sqlite(app):
        pytest.skip("PostgreSQL's tools")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump there
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*pg_dump --format=custom --no-owner"):
        backup(app, tmp_path / "bastau.dump")


def test_in_production_a_missing_plan_mount_stops_the_restore_before_it_starts(app, store, make_application,
                                                                                tmp_path, monkeypatch):
    path = backup_path(app, tmp_path)
    backup(app, path)
    make_application()
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "not-mounted"))
    with pytest.raises(BackupError, match="is the shared storage mounted"):
        restore(app, path)
    assert store.count(Application) == 1 and not (tmp_path / "not-mounted").exists()
