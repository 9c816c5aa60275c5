"""Server-side sessions for shared terminals.

Flask's default session lives in a signed cookie, so a copy of that cookie keeps working after
"Finish". Here the cookie only carries a random key; the data lives in the `web_session` table and
ending a session deletes the row, so an old cookie opens nothing. Idle sessions end after a few
minutes (applicants) or a little longer (staff).

A visitor who has typed nothing yet has no row: while the session holds only what COOKIE_KEYS names (the CSRF
token of the page's form), it lives in a signed cookie, so a QR scan or a look at a form writes nothing. The
first time anything else goes in (a draft, a sign-in, a test), it moves to a row under a new key, CSRF token
and all, so the first POST is never refused and a copy of the earlier cookie opens nothing personal.

The row is read on the request's own database connection (db.session), which then loads the signed-in user
too; what is written after the view (this row, and the read log's entry: database.write_after_view) goes in one
transaction at the end of the request, after whatever the view left uncommitted has been rolled back.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import random
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import orm
from werkzeug.datastructures import CallbackDict

from .assets import CACHED_COOKIE
from .database import write_after_view
from .extensions import db
from .models import User, WebSession, utcnow

_serializer = TaggedJSONSerializer()
_table = WebSession.__table__
TOUCH_EVERY = timedelta(seconds=30)  # don't write on every click just to move last_seen
# What a session may hold while it lives in a signed cookie: nothing personal, nothing typed (a copy of the cookie
# outlives "Finish"). Anything else moves the session to a row.
COOKIE_KEYS = frozenset({"csrf_token"})
COOKIE_SALT = "bastau-session-cookie"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, key: str | None = None, last_seen=None, expired: bool = False,
                 cookie: bool = False):
        def on_update(self):
            self.modified = True
        super().__init__(initial, on_update)
        self.key = key
        self.last_seen = last_seen
        self.expired = expired  # the visitor came back with a session that had timed out
        self.cookie = cookie  # the browser sent a session cookie (a key or a signed one)
        self.modified = False
        self.ended = False
        self.touched = False
        self.old_keys: list[str] = []
        self.staff_user = None  # the account the stored row names, loaded with it (signed_in_user)

    def touch(self) -> None:
        """"I am still here": move last_seen on now, even if it moved a few seconds ago."""
        self.touched = True

    def end(self) -> None:
        """Forget everything: the row goes and the cookie is cleared."""
        self.clear()
        self.ended = True

    def regenerate(self) -> None:
        """A new key after login, so that a key planted before login is worthless after it."""
        if self.key:
            self.old_keys.append(self.key)
        self.key = None
        self.modified = True


TERMINAL_COOKIE = "bastau_terminal"
TERMINAL_SALT = "bastau-terminal"
TERMINAL_YEARS = 5  # the mark stays until staff remove it (or the browser's cookies are cleared)


def _terminal_serializer(app) -> URLSafeSerializer:
    return URLSafeSerializer(app.secret_key, salt=TERMINAL_SALT)


def terminal_cookie_value(app) -> str:
    """What a browser marked as a shared terminal keeps: signed, so nobody types one up by hand."""
    return _terminal_serializer(app).dumps("terminal")


def terminal_addresses(config) -> list:
    """TERMINAL_ADDRESSES: addresses or networks (`10.2.0.7, 10.3.0.0/24`) of shared terminals."""
    networks = []
    for part in str(config.get("TERMINAL_ADDRESSES") or "").replace(";", ",").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                continue
    return networks


def is_terminal(app, request) -> bool:
    """A shared terminal (an akimat's or a centre's computer for the public): a browser staff marked as one
    (page /terminal), or a client address in TERMINAL_ADDRESSES. Anything else is a person's own device."""
    marked = request.cookies.get(TERMINAL_COOKIE)
    if marked and len(marked) < 200:
        try:
            if _terminal_serializer(app).loads(marked) == "terminal":
                return True
        except BadData:
            pass
    networks = terminal_addresses(app.config)
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False


def idle_minutes(config, data, terminal: bool = True) -> int:
    """How long a session may sit unused: staff longer; an applicant in the middle of the
    entrepreneurship test long enough to read every question; any other applicant a few minutes at a shared
    terminal (the next person must not find their data), longer on their own phone or computer."""
    if data.get("_user_id"):
        return config["STAFF_IDLE_MINUTES"]
    if data.get("test_sitting_id"):
        return config["TEST_IDLE_MINUTES"] if terminal else max(config["TEST_IDLE_MINUTES"],
                                                                 config["PERSONAL_IDLE_MINUTES"])
    return config["APPLICANT_IDLE_MINUTES"] if terminal else config["PERSONAL_IDLE_MINUTES"]


@functools.cache
def _session_and_user() -> sa.Select:
    """The session's row, and the signed-in staff member in the same statement (Flask-Login's loader takes them
    from the session: a staff page starts with one query instead of two), with the member's district, which the
    district's pages name in their heading (a statement of its own otherwise). Built once: every request runs it."""
    return (sa.select(_table.c.data, _table.c.created_at, _table.c.last_seen_at)
            .outerjoin(User, User.id == _table.c.user_id).add_columns(User)
            .options(orm.joinedload(User.district))
            .where(_table.c.id == sa.bindparam("key")))


def signed_in_user(session, user_id: int):
    """The staff account loaded with the session's row, when it is the one the session names; else None."""
    user = getattr(session, "staff_user", None)
    return user if user is not None and user.id == user_id else None


class ServerSessionInterface(SessionInterface):
    def _idle_limit(self, app, data: dict, request) -> timedelta:
        return timedelta(minutes=idle_minutes(app.config, data, is_terminal(app, request)))

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if request.path.startswith("/static/"):  # assets need no session: spare the database a look-up
            value = None
        if not value or len(value) > 300:
            return ServerSession()
        if "." in value:  # a signed cookie (a row's key is token_urlsafe: never a dot)
            return ServerSession(self._from_cookie(app, value), cookie=True)
        row = db.session.execute(_session_and_user(), {"key": _hash(value)}).first()
        if row is None:
            return ServerSession(expired=True, cookie=True)
        data = _serializer.loads(row.data)
        now = utcnow()
        too_old = now - row.created_at > timedelta(hours=app.config["SESSION_MAX_HOURS"])
        if too_old or now - row.last_seen_at > self._idle_limit(app, data, request):
            ended = ServerSession(expired=True, cookie=True)
            ended.old_keys.append(value)  # deleted by save_session, with the request's other writes
            return ended
        opened = ServerSession(data, key=value, last_seen=row.last_seen_at, cookie=True)
        opened.staff_user = row.User
        return opened

    def save_session(self, app, session: ServerSession, response):
        writes = [self._delete(old) for old in session.old_keys]
        if session.ended or not session:
            if session.key:
                writes.append(self._delete(session.key))
            write_after_view(*writes)
            if session.cookie or session.key:
                self._forget_cookie(app, response)
            return
        if session.key is None and session.keys() <= COOKIE_KEYS:
            write_after_view(*writes)
            if session.modified or session.old_keys:
                response.vary.add("Cookie")
                self._set_cookie(app, response, self._signer(app).dumps(dict(session)))
            return
        now = utcnow()
        if (session.key and not session.modified and not session.touched and session.last_seen
                and now - session.last_seen < TOUCH_EVERY):
            write_after_view(*writes)
            return
        response.vary.add("Cookie")
        if session.key is None:
            session.key = secrets.token_urlsafe(32)
            writes.append(self._insert(session, now))
            writes.append(self._purge_expired(app, now))
            write_after_view(*writes)
        else:
            values = {"last_seen_at": now}
            if session.modified:
                values |= {"data": _serializer.dumps(dict(session)), "user_id": _user_id(session)}
            update = sa.update(_table).where(_table.c.id == _hash(session.key)).values(**values)
            if write_after_view(*writes, update)[-1].rowcount == 0:  # ended by another request (Finish in a tab)
                self._forget_cookie(app, response)
                return
        self._set_cookie(app, response, session.key)

    def _signer(self, app) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key, salt=COOKIE_SALT)

    def _from_cookie(self, app, value: str) -> dict:
        """What a signed cookie holds, if it is ours, not older than a session may be, and nothing but COOKIE_KEYS."""
        try:
            data = self._signer(app).loads(value, max_age=app.config["SESSION_MAX_HOURS"] * 3600)
        except BadData:
            return {}
        if not isinstance(data, dict) or not data.keys() <= COOKIE_KEYS:
            return {}
        return {name: text for name, text in data.items() if isinstance(text, str)}

    def _set_cookie(self, app, response, value: str) -> None:
        response.set_cookie(self.get_cookie_name(app), value, domain=self.get_cookie_domain(app),
                            path=self.get_cookie_path(app), **self._cookie_flags(app))

    def _forget_cookie(self, app, response) -> None:
        response.delete_cookie(self.get_cookie_name(app), domain=self.get_cookie_domain(app),
                               path=self.get_cookie_path(app), **self._cookie_flags(app))

    def _cookie_flags(self, app) -> dict:
        # Deleting needs the same flags: browsers ignore a __Host- cookie set (or expired) without Secure.
        return {"httponly": self.get_cookie_httponly(app), "secure": self.get_cookie_secure(app),
                "samesite": self.get_cookie_samesite(app)}

    def _insert(self, session: ServerSession, now):
        return sa.insert(_table).values(id=_hash(session.key), data=_serializer.dumps(dict(session)),
                                        user_id=_user_id(session), created_at=now, last_seen_at=now)

    def _delete(self, key: str):
        return sa.delete(_table).where(_table.c.id == _hash(key))

    def _purge_expired(self, app, now):
        """Now and then, drop rows nobody can use any more (idle longer than the staff limit)."""
        if random.random() < 0.05:
            longest = max(app.config["STAFF_IDLE_MINUTES"], app.config["APPLICANT_IDLE_MINUTES"],
                          app.config["TEST_IDLE_MINUTES"], app.config["PERSONAL_IDLE_MINUTES"])
            return sa.delete(_table).where(_table.c.last_seen_at < now - timedelta(minutes=longest))
        return None


def _user_id(session) -> int | None:
    value = session.get("_user_id")
    return int(value) if value else None


def clear_site_data(response, storage: bool = True, keeps_unsent_marks: bool = False):
    """Leaving a shared screen (sign-out, "Finish", the next applicant, an idle end) also clears what the browser
    keeps of the site (Clear-Site-Data, ASVS 14.3.1): "cache" always, so that no page of the person who left is
    kept, nor shown again by Back; "storage" (localStorage, sessionStorage, IndexedDB) when asked, unless the
    browser says it still holds a trainer's attendance marks not yet sent (static/js/register.js keeps them there
    until the server has them; the leaving form tells, static/js/app.js): nothing typed is ever lost.
    Never "cookies": it would clear the terminal mark and the language choice too (and for the whole domain); the
    session's own cookie is ended by the server anyway. Never "executionContexts": it reloads every open tab of
    the site, and what is typed in them."""
    directives = ['"cache"']
    response.delete_cookie(CACHED_COOKIE)  # it says the stylesheet is in the cache: not any more (bastau/assets.py)
    if storage and not keeps_unsent_marks:
        directives.append('"storage"')
    response.headers["Clear-Site-Data"] = ", ".join(directives)
    return response


def end_sessions_of(user_id: int) -> None:
    """Log a staff member out everywhere (logout, disabled account, password change)."""
    with db.engine.begin() as conn:
        conn.execute(sa.delete(_table).where(_table.c.user_id == user_id))
