"""A full disk, told apart from other failures, and free space measured for /healthz.

When the plan folder, the temporary folder or the database runs out of room, nothing is wrong with what the person
sent: it simply could not be saved. They get a page that says so and to try again later (503, bastau/errors.py),
not the page of a bug. The writing transaction was rolled back (database.writing) and a half-written plan file
removed (plans/storage.py), so nothing acknowledged is lost and nothing half-saved stays.

The three forms a full disk takes:
- the operating system: OSError ENOSPC (no space) or EDQUOT (over quota), from a plan file, a temporary file or an
  upload being spooled to disk;
- SQLite: "database or disk is full" (SQLITE_FULL, result code 13), also when it cannot grow its journal;
- PostgreSQL: DiskFull, SQLSTATE 53100 (the server's disk, which the app cannot see: its monitoring must).
"""
from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path

from flask_babel import lazy_gettext as _l

NO_ROOM = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
SQLITE_FULL = 13
DISK_FULL_SQLSTATE = "53100"
FULL_TEXT = "database or disk is full"
RECENT = 600  # seconds after a "disk full" during which /healthz says so (all PostgreSQL lets the app know)

_last_seen: list[float] = []


def is_disk_full(error: BaseException | None) -> bool:
    """True for a full disk in any of its forms, also wrapped (SQLAlchemy's DBAPIError keeps the driver's error
    in .orig; an error raised while handling another keeps it in __cause__/__context__)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_full(error):
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


def _says_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in NO_ROOM:
        return True
    if getattr(error, "sqlite_errorcode", None) == SQLITE_FULL:
        return True
    if getattr(error, "sqlstate", None) == DISK_FULL_SQLSTATE:  # psycopg 3: psycopg.errors.DiskFull
        return True
    return type(error).__name__ == "OperationalError" and FULL_TEXT in str(error)


def remember() -> None:
    """Note that this process met a full disk just now (for /healthz: the only sign of a full PostgreSQL disk the
    app has)."""
    _last_seen[:] = [time.time()]


def seen_recently() -> bool:
    return bool(_last_seen) and time.time() - _last_seen[0] < RECENT


def free_megabytes(folder: str | os.PathLike) -> tuple[float, int | None]:
    """(MB free to the app's own user, inodes free or None when the filesystem does not count them), of the nearest
    existing folder."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize / (1024 * 1024)
    return free, (stats.f_favail if stats.f_files else None)


# ---- The page (bastau/errors.py answers every full disk with it) ----

COMMITTED = "bastau_committed"


def init_app(app) -> None:
    """Note when a request's transaction was committed: a full disk met after that (writing the session, say) must
    not tell the person that nothing was saved, nor offer to send it again."""
    import sqlalchemy as sa
    from flask import g, has_request_context

    def committed(_session) -> None:
        if has_request_context():
            g.setdefault(COMMITTED, True)
    if not getattr(sa.orm.Session, "_bastau_commit_noted", False):
        sa.event.listen(sa.orm.Session, "after_commit", committed)
        sa.orm.Session._bastau_commit_noted = True


TITLE = _l("There is no room to save right now")
NOTHING_LOST = _l("Nothing was lost: what you sent was not saved, and everything saved before is safe. Please try "
                  "again in a few minutes.")
SAVED_THEN_FULL = _l("What you sent was saved, but there was no room to finish the answer. Do not send it again: "
                     "open the page again in a few minutes to see it.")
NOT_KEPT = ("csrf_token",)
KEEP_AT_MOST = 20_000  # characters of posted values, as bastau/kept_forms.py


def page(error: BaseException, after_the_view: bool = False):
    """503 with Retry-After, in the page's language: nothing was lost, try again later. What was typed comes back
    inside the page itself, as hidden fields of a form that sends it again (with a fresh token): the session,
    where bastau/kept_forms.py keeps forms, lives in the database that may be the full disk. Passwords are never
    written into a page; files cannot be (the person chooses them again).

    `after_the_view`: met while finishing the answer (writing the session row). If the view had committed, what
    was sent is saved: the page says so and offers nothing to send again (it would be sent twice). A full disk
    met inside the view is met by its one writing transaction, rolled back: nothing of it was saved."""
    from flask import current_app, g, jsonify, render_template, request, session

    from .errors import _forget_failed_transaction, _is_htmx

    remember()
    current_app.logger.error("disk full on %s %s: %s", request.method, request.url_rule, error)
    _forget_failed_transaction()
    saved = after_the_view and bool(g.get(COMMITTED))
    if request.is_json:  # the register's script (static/js/register.js) keeps its queue and tries again on a 503
        response = jsonify(error="no_room", message=str(SAVED_THEN_FULL if saved else NOTHING_LOST))
        return _unavailable(response, session)
    values = None if saved else _kept_values(request)
    template = "errors/_message.html" if _is_htmx() else "errors/full.html"
    try:
        body = render_template(template, code=503, error_title=TITLE, error_text=SAVED_THEN_FULL if saved else
                               NOTHING_LOST, values=values, saved=saved,
                               sent_files=_sent_files(request), again=request.full_path.rstrip("?"),
                               was_post=request.method == "POST" and not saved)
    except Exception:  # noqa: BLE001 - the layout needs the database: fall back to a page that does not
        current_app.log_exception(sys.exc_info())
        _forget_failed_transaction()
        body = _plain()
    response = current_app.make_response(body)
    response.vary.add("HX-Request")
    return _unavailable(response, session)


def _unavailable(response, session):
    response.status_code = 503
    response.headers["Retry-After"] = "120"
    response.headers["Cache-Control"] = "no-store"
    _do_not_write(session)
    return response


def _kept_values(request) -> list[tuple[str, str]] | None:
    if request.method != "POST":
        return None
    try:
        values = [(name, value) for name, value in request.form.items(multi=True) if name not in NOT_KEPT]
    except Exception:  # noqa: BLE001 - the body itself could not be read (the temporary folder is full)
        return None
    if any("password" in name.lower() for name, _value in values):
        return None  # never written into a page; such a form is typed again
    if sum(len(name) + len(value) for name, value in values) > KEEP_AT_MOST:
        return None
    return values  # may be empty: a form of one button (the applicant's Send) is sent again as it was


def _sent_files(request) -> bool:
    try:
        return any(file.filename for file in request.files.values())
    except Exception:  # noqa: BLE001
        return False


def _do_not_write(session) -> None:
    """The answer itself must not write the session row (a full database would turn this page into a 500)."""
    from .models import utcnow
    if getattr(session, "key", None):
        session.modified = False
        session.touched = False
        session.last_seen = utcnow()


def _plain() -> str:
    from html import escape

    try:
        title, text = str(TITLE), str(NOTHING_LOST)
    except Exception:  # noqa: BLE001
        title, text = "503", ""
    return (f'<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><title>{escape(title)}</title><main id="main"><h1>{escape(title)}</h1>'
            f'<p>{escape(text)}</p></main>')
