"""`flask backup` and `flask restore`: a consistent copy of the database and the uploaded business plans,
and putting one back without ever leaving a half-restored database.

A backup is two files: PATH (the database: an SQLite file, or a pg_dump custom-format archive) and
PATH.plans.tar (the PLAN_STORAGE folder). The database is copied first and the folder second: plan files
are written before their row is committed and never changed afterwards, so every plan the copied database
names is in the tar.

Both files hold personal data: they are created 0600 (their folder 0700 when the backup makes it), whatever the
umask, and never exist under wider permissions, not even while being written (each is filled under a temporary
name made by mkstemp, which creates it 0600, and renamed into place).

A PostgreSQL restore is refused while other sessions are connected to the database (an app server would go on
reading and writing while the tables are replaced), unless told to end them (`--end-sessions`).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from .extensions import db
from .plans.storage import STORED_NAME

# Tables every Bastau database has; a file without them is someone else's database.
BASTAU_TABLES = ("alembic_version", "application", "audit_entry", "district")
STOP_FIRST = "Stop every app server (gunicorn) and cron job that uses this database before restoring."
PRIVATE_FOLDER = 0o700
# Sessions on our database other than this one: app servers, workers, cron jobs, someone's psql.
OTHER_SESSIONS = """SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                    AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid"""
SESSIONS_END_WITHIN = 10  # seconds: pg_terminate_backend asks; a session may take a moment to go
ENDING_WITHIN = 1  # second: how long the backends of a server just stopped are waited for before a refusal


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why, for the operator."""


def plans_archive(path: Path) -> Path:
    return path.with_name(path.name + ".plans.tar")


def backup(app: Flask, target: Path) -> list[str]:
    """Copy the database to `target` and the plans folder next to it; return what was written."""
    target = Path(target)
    warning = _private_folder(target.parent)
    url = _url(app)
    if url.get_backend_name() == "sqlite":
        _backup_sqlite(Path(url.database), target)
    else:
        _pg_dump(url, target)
    written = [f"Database: {target}"]
    folder = Path(app.config["PLAN_STORAGE"])
    count = _tar_plans(folder, plans_archive(target))
    written.append(f"Business plans: {plans_archive(target)} ({count} files from {folder})")
    return written + ([warning] if warning else [])


def _private_folder(folder: Path) -> str | None:
    """Make the backup folder 0700 if it is new. An existing folder is left as it is (it may be a shared
    /var/backups): the files in it are 0600 all the same, but the operator is told that others can list it."""
    if not folder.exists():
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True)
        os.chmod(folder, PRIVATE_FOLDER)  # exactly 0700: mkdir's mode is narrowed by the umask
        return None
    mode = folder.stat().st_mode & 0o777
    if mode & 0o077:
        return (f"Note: {folder} can be listed by other users (mode {mode:04o}); the backup files themselves are "
                f"readable only by their owner (0600). chmod 700 {folder} to hide their names too.")
    return None


def _private_temporary(folder: Path, name: str) -> Path:
    """An empty file beside the target, created 0600 (mkstemp's mode, whatever the umask), to be filled and renamed."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    os.close(handle)
    return Path(temporary)


def restore(app: Flask, source: Path, end_sessions: bool = False) -> list[str]:
    """Replace the database (and the plan files, if PATH.plans.tar is there) with the backup at `source`.

    Everything is checked before anything is changed. On PostgreSQL, other sessions connected to the database
    refuse the restore, unless `end_sessions` (then they are ended first)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    archive = plans_archive(source)
    folder = Path(app.config["PLAN_STORAGE"])
    if archive.is_file():
        _check_plans_archive(archive)
        if app.config.get("PRODUCTION") and not folder.is_dir():  # never fill a local disk instead of the mount
            raise BackupError(f"PLAN_STORAGE {folder} does not exist: is the shared storage mounted? "
                              "Nothing was restored.")
    url = _url(app)
    with app.app_context():
        db.engine.dispose()  # our own pooled connections must not keep the old database open
    ended = 0
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(source, Path(url.database))
    else:
        _check_pg_archive(source)
        ended = _no_other_sessions(url, end_sessions)
        _run(_pg_restore_command(url, source), _pg_env(url),
             "pg_restore failed (it ran in one transaction, so the database is as it was)")
    done = [f"Database restored from {source}."]
    if ended:
        done.insert(0, f"Ended {_sessions(ended)} connected to the database.")
    if archive.is_file():
        kept = _restore_plans(archive, folder)
        done.append(f"Business plans restored from {archive}" + (f"; files uploaded since the backup were moved "
                                                                 f"to {kept}." if kept else "."))
    else:
        done.append(f"No {archive.name} next to the backup: the business plans folder was left as it is.")
    return done


def _url(app: Flask) -> sa.URL:
    return sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])


# ---- SQLite ----

def _backup_sqlite(database: Path, target: Path) -> None:
    """SQLite's online backup: a consistent snapshot while the app goes on writing (WAL lets it)."""
    if not database.is_file():  # sqlite3 would quietly create an empty one
        raise BackupError(f"{database}: no such database file.")
    source = sqlite3.connect(database, timeout=10)
    try:
        _write_atomically(target, lambda copy: source.backup(copy), keep_mode=False)
    finally:
        source.close()


def _restore_sqlite(source: Path, database: Path) -> None:
    _check_bastau_sqlite(source)
    backup_copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        # The copy is built and checked beside the live file, then renamed over it in one step.
        _write_atomically(database, lambda copy: backup_copy.backup(copy), before_rename=_close_live_database,
                          keep_mode=True)
    finally:
        backup_copy.close()


def _write_atomically(target: Path, fill, before_rename=None, keep_mode: bool = False) -> None:
    """Fill a new SQLite file beside `target` (0600 from the start), check it, fsync it and rename it into place.
    `keep_mode`: a restored live database keeps the live file's permissions; a backup always stays 0600."""
    temporary = _private_temporary(target.parent, target.name)
    try:
        copy = sqlite3.connect(temporary)
        try:
            fill(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
            _check_integrity(copy, temporary)
        finally:
            copy.close()
        _fsync(temporary)
        if before_rename:
            before_rename(target)
        if keep_mode and target.exists():
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
        _fsync(target.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _check_bastau_sqlite(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in BASTAU_TABLES if table not in tables]
            if missing:
                raise BackupError(f"{path} is an SQLite database, but not a Bastau one (no {', '.join(missing)} "
                                  "table). Nothing was restored.")
            _check_integrity(connection, path)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database ({error}). Nothing was restored.") from None


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        problems = [str(error)]
    if problems != ["ok"]:
        raise BackupError(f"{path} fails SQLite's integrity check: {'; '.join(problems[:5])}. Nothing was restored.")


def _close_live_database(database: Path) -> None:
    """Fold the live database's WAL into it and make sure no app still has it open.

    A -wal file left beside the new file would be replayed into it (corrupting it), and a running app would
    go on writing to the old, unlinked file.
    """
    if not database.exists():
        return
    connection = sqlite3.connect(database, timeout=5)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    # The last connection to close removes -wal and -shm; if they are still there, someone has it open.
    if Path(f"{database}-wal").exists() or Path(f"{database}-shm").exists():
        raise BackupError(f"{database} is in use. {STOP_FIRST} Nothing was restored.")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- PostgreSQL: the documented pg_dump -Fc / pg_restore --clean ----

def _libpq_uri(url: sa.URL) -> str:
    """The URL as libpq reads it (no driver name; the password goes through PGPASSWORD, not argv)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_env(url: sa.URL) -> dict:
    # A running app holding locks makes pg_restore fail after a while instead of waiting for ever.
    env = dict(os.environ, PGOPTIONS="-c lock_timeout=15s")
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _pg_dump_command(url: sa.URL, target: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_libpq_uri(url)}"]


def _pg_restore_command(url: sa.URL, source: Path) -> list[str]:
    # One transaction: if anything fails, the database is left exactly as it was.
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
            f"--dbname={_libpq_uri(url)}", str(source)]


def _pg_dump(url: sa.URL, target: Path) -> None:
    """Dump beside the target, check the archive reads back, then rename it into place.

    pg_dump writes into a file made 0600 beforehand (it truncates an existing file, keeping its mode), and runs
    under umask 077 besides."""
    temporary = _private_temporary(target.parent, target.name)
    try:
        _run(_pg_dump_command(url, temporary), _pg_env(url), "pg_dump failed", umask=0o077)
        _check_pg_archive(temporary)
        _fsync(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _check_pg_archive(path: Path) -> None:
    """pg_restore can read the archive's table of contents, and it holds Bastau's tables."""
    listing = _run(["pg_restore", "--list", str(path)], dict(os.environ),
                   f"{path} is not a readable pg_dump custom-format archive")
    missing = [table for table in BASTAU_TABLES if not re.search(rf"\bTABLE DATA public {table}\b", listing)]
    if missing:
        raise BackupError(f"{path} is a pg_dump archive, but not of a Bastau database (no {', '.join(missing)} "
                          "table). Nothing was restored.")


def _run(command: list[str], env: dict, failure: str, umask: int = -1) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client). "
                          f"The command to run: {' '.join(command)}")
    result = subprocess.run(command, env=env, capture_output=True, text=True, umask=umask)
    if result.returncode != 0:
        raise BackupError(f"{failure}: {result.stderr.strip()[:1000]}")
    return result.stdout


def _sessions(count: int) -> str:
    return f"{count} other session" + ("" if count == 1 else "s")


def _no_other_sessions(url: sa.URL, end_them: bool) -> int:
    """Refuse while other sessions are connected to the database, or end them (pg_terminate_backend) when told
    to; return how many were ended. Our own pooled connections were closed before (restore disposes the engine)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            pids = _still_connected(connection)
            if pids and not end_them:
                raise BackupError(
                    f"{_sessions(len(pids))} {'is' if len(pids) == 1 else 'are'} connected to the database "
                    f"{url.database} (app servers, workers, cron jobs or psql; pid {', '.join(map(str, pids))}). "
                    f"{STOP_FIRST} Or run the restore again with --end-sessions to end them. Nothing was restored.")
            if pids:
                _end_sessions(connection, pids)
    except sa.exc.DBAPIError as error:
        raise BackupError(f"Could not check or end the other sessions on the database ({error.orig}). "
                          "Nothing was restored.") from None
    finally:
        engine.dispose()
    return len(pids)


def _still_connected(connection) -> list[int]:
    """The other sessions, given a second to go: a server stopped a moment ago leaves backends that are still
    ending (PostgreSQL ends one after its client has gone), and the operator who stopped it should not be refused."""
    deadline = time.monotonic() + ENDING_WITHIN
    while True:
        pids = connection.exec_driver_sql(OTHER_SESSIONS).scalars().all()
        if not pids or time.monotonic() >= deadline:
            return pids
        connection.commit()  # pg_stat_activity is read once per transaction: a new one sees who is still there
        time.sleep(0.1)


def _end_sessions(connection, pids: list[int]) -> None:
    connection.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                       {"pids": pids})
    for _ in range(SESSIONS_END_WITHIN * 10):
        connection.commit()  # pg_stat_activity is read once per transaction: a new one sees who is still there
        left = connection.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                                  {"pids": pids}).scalar()
        if not left:
            return
        time.sleep(0.1)
    raise BackupError(f"{_sessions(left)} did not end within {SESSIONS_END_WITHIN} s. Nothing was restored.")


# ---- The uploaded business plans ----

def _tar_plans(folder: Path, archive: Path) -> int:
    """The stored plan files (not half-written uploads) into a tar, written beside and renamed into place."""
    names = sorted(p.name for p in folder.iterdir() if STORED_NAME.match(p.name)) if folder.is_dir() else []
    temporary = _private_temporary(archive.parent, archive.name)
    try:
        with open(temporary, "wb") as file, tarfile.open(fileobj=file, mode="w") as tar:
            for name in names:
                tar.add(folder / name, arcname=name)
        _fsync(temporary)
        os.replace(temporary, archive)
    finally:
        temporary.unlink(missing_ok=True)
    return len(names)


def _check_plans_archive(archive: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            tar.getmembers()
    except (tarfile.TarError, OSError):
        raise BackupError(f"{archive} is not a readable tar archive. Nothing was restored.") from None


def _restore_plans(archive: Path, folder: Path) -> Path | None:
    """Make the folder hold exactly the backup's plan files; files added since are moved aside, not deleted.

    Everything happens inside the folder (it may be a mount point, which cannot be renamed): the tar is
    unpacked into a hidden subfolder and each file renamed into place, so no plan is ever half-written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(dir=folder, prefix=".restore-"))
    try:
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and STORED_NAME.match(m.name)]
            tar.extractall(unpacked, members=members, filter="data")
        wanted = {member.name for member in members}
        newer = [p for p in folder.iterdir() if STORED_NAME.match(p.name) and p.name not in wanted]
        kept = folder / f".before-restore-{datetime.now():%Y%m%d-%H%M%S-%f}" if newer else None
        if kept:
            kept.mkdir()
            for path in newer:
                os.replace(path, kept / path.name)
        for name in wanted:
            os.replace(unpacked / name, folder / name)
        _fsync(folder)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} cannot be unpacked into {folder} ({error}); the database was restored, "
                          "the business plans were not (or only in part: run the restore again).") from None
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    return kept
