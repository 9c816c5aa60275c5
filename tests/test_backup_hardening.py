"""Backups hold everyone's personal data: `flask backup` writes them 0600 in a 0700 folder whatever the umask, with
no moment when they are readable by others; a PostgreSQL restore is refused while app servers are connected, unless
told to end them (run with BASTAU_TEST_DB=postgresql for those)."""
from __future__ import annotations

import os
import stat
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau import backup as backup_module
from bastau import create_app
from bastau.backup import BackupError, backup, plans_archive, restore
from bastau.extensions import db


@pytest.fixture(autouse=True)
def own_plan_storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(tmp_path / "plans"))
    (tmp_path / "plans").mkdir()


@pytest.fixture
def open_umask():
    """The most careless umask there is: anything created without an explicit mode is world-readable."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def backup_name(app) -> str:
    return "bastau.sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "bastau.dump"


def test_a_backup_is_readable_only_by_its_owner_whatever_the_umask(app, tmp_path, open_umask, monkeypatch):
    folder = tmp_path / "new" / "backups"
    seen = []  # every file in the folder, each time a file is flushed to disk (before its rename into place)
    original = backup_module._fsync

    def watching(path):
        seen.extend((p.name, mode(p)) for p in folder.iterdir() if p.is_file())
        original(path)
    monkeypatch.setattr(backup_module, "_fsync", watching)

    target = folder / backup_name(app)
    written = backup(app, target)
    assert mode(target) == 0o600 and mode(plans_archive(target)) == 0o600
    assert mode(folder) == 0o700
    assert seen and all(file_mode == 0o600 for _, file_mode in seen), seen  # also the half-written ones
    assert not any("Note:" in line for line in written)
    assert sorted(p.name for p in folder.iterdir()) == sorted([target.name, plans_archive(target).name])


def test_an_old_world_readable_backup_is_replaced_by_a_private_one(app, tmp_path, open_umask):
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    target = folder / backup_name(app)
    for old in (target, plans_archive(target)):
        old.write_bytes(b"yesterday's backup, written by an older version")
        old.chmod(0o644)
    backup(app, target)
    assert mode(target) == 0o600 and mode(plans_archive(target)) == 0o600


def test_an_existing_shared_folder_is_left_as_it_is_and_the_operator_is_told(app, tmp_path, open_umask):
    folder = tmp_path / "var-backups"
    folder.mkdir()
    folder.chmod(0o755)
    result = app.test_cli_runner().invoke(args=["backup", str(folder / backup_name(app))])
    assert result.exit_code == 0, result.output
    assert mode(folder) == 0o755  # not ours to change
    assert f"{folder} can be listed by other users (mode 0755)" in result.output
    assert all(mode(p) == 0o600 for p in folder.iterdir())


# ---- PostgreSQL: no restore under running app servers ----

@pytest.fixture
def own_database(app, tmp_path):
    """A Bastau database of this test's own on the test server, so that ending sessions ends nobody else's."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("a PostgreSQL restore (BASTAU_TEST_DB=postgresql)")
    name = f"bastau_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    own = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url.set(database=name).render_as_string(False),
                      "SECRET_KEY": "test-secret", "RATELIMIT_STORAGE_URI": "memory://",
                      "PLAN_STORAGE": str(tmp_path / "own-plans")})
    from flask_migrate import upgrade
    with own.app_context():
        upgrade(revision="heads")
        db.session.remove()
    try:
        yield own
    finally:
        with own.app_context():
            db.engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def marked_after_the_backup(own) -> bool:
    with own.app_context():
        return bool(db.session.scalar(sa.text("SELECT count(*) FROM alembic_version WHERE version_num = 'marker'")))


def test_a_restore_is_refused_while_an_app_server_is_connected_unless_told_to_end_it(own_database, tmp_path):
    own = own_database
    path = tmp_path / "bastau.dump"
    backup(own, path)
    with own.app_context():  # after the backup: a change the restore must take away
        db.session.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('marker')"))
        db.session.commit()  # and our own pool keeps this connection: it must not count as another session
    app_server = sa.create_engine(own.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool).connect()
    try:
        app_server.exec_driver_sql("SELECT 1")

        refused = own.test_cli_runner().invoke(args=["restore", str(path)])
        assert refused.exit_code == 1
        assert "1 other session is connected to the database" in refused.output
        assert "--end-sessions" in refused.output and "Nothing was restored" in refused.output
        assert marked_after_the_backup(own)  # nothing changed
        app_server.exec_driver_sql("SELECT 1")  # and the app server goes on

        done = own.test_cli_runner().invoke(args=["restore", str(path), "--end-sessions"])
        assert done.exit_code == 0, done.output
        assert "Ended 1 other session connected to the database." in done.output
        assert not marked_after_the_backup(own)
        with pytest.raises(sa.exc.DBAPIError):  # the app server's connection was ended
            app_server.exec_driver_sql("SELECT 1")
    finally:
        app_server.invalidate()
        app_server.close()


def test_several_app_servers_are_counted_and_a_quiet_database_restores_at_once(own_database, tmp_path):
    own = own_database
    path = tmp_path / "bastau.dump"
    backup(own, path)
    engine = sa.create_engine(own.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    servers = [engine.connect() for _ in range(3)]
    for server in servers:
        server.exec_driver_sql("SELECT 1")
    with pytest.raises(BackupError, match="3 other sessions are connected to the database"):
        restore(own, path)
    for server in servers:
        server.close()
    assert restore(own, path)[0] == f"Database restored from {path}."  # nobody connected: no flag needed
