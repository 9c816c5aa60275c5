"""Server-side sessions for shared terminals.

Flask's default session lives in a signed cookie, so a copy of that cookie keeps working after
"Finish". Here the cookie only carries a random key; the data lives in the `web_session` table and
ending a session deletes the row, so an old cookie opens nothing. Idle sessions end after a few
minutes (applicants) or a little longer (staff).
"""
from __future__ import annotations

import hashlib
import random
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from .extensions import db
from .models import WebSession, utcnow

_serializer = TaggedJSONSerializer()
_table = WebSession.__table__
TOUCH_EVERY = timedelta(seconds=30)  # don't write on every click just to move last_seen


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, key: str | None = None, last_seen=None, expired: bool = False):
        def on_update(self):
            self.modified = True
        super().__init__(initial, on_update)
        self.key = key
        self.last_seen = last_seen
        self.expired = expired  # the visitor came back with a session that had timed out
        self.modified = False
        self.ended = False
        self.old_keys: list[str] = []

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


def idle_minutes(config, data) -> int:
    """How long a session may sit unused: staff longer; an applicant in the middle of the
    entrepreneurship test long enough to read every question; any other applicant a few minutes."""
    if data.get("_user_id"):
        return config["STAFF_IDLE_MINUTES"]
    if data.get("test_sitting_id"):
        return config["TEST_IDLE_MINUTES"]
    return config["APPLICANT_IDLE_MINUTES"]


class ServerSessionInterface(SessionInterface):
    def _idle_limit(self, app, data: dict) -> timedelta:
        return timedelta(minutes=idle_minutes(app.config, data))

    def open_session(self, app, request):
        key = request.cookies.get(self.get_cookie_name(app))
        if request.path.startswith("/static/"):  # assets need no session: spare the database a look-up
            key = None
        if not key or len(key) > 100:
            return ServerSession()
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(_table).where(_table.c.id == _hash(key))).first()
        if row is None:
            return ServerSession(expired=True)
        data = _serializer.loads(row.data)
        now = utcnow()
        too_old = now - row.created_at > timedelta(hours=app.config["SESSION_MAX_HOURS"])
        if too_old or now - row.last_seen_at > self._idle_limit(app, data):
            self._delete(key)
            return ServerSession(expired=True)
        return ServerSession(data, key=key, last_seen=row.last_seen_at)

    def save_session(self, app, session: ServerSession, response):
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        for old in session.old_keys:
            self._delete(old)
        if session.ended or (not session and session.key):
            if session.key:
                self._delete(session.key)
            response.delete_cookie(name, domain=domain, path=path, **self._cookie_flags(app))
            return
        if not session:
            return
        now = utcnow()
        if not session.modified and session.last_seen and now - session.last_seen < TOUCH_EVERY:
            return
        response.vary.add("Cookie")
        if session.key is None:
            session.key = secrets.token_urlsafe(32)
            self._insert(session, now)
            self._purge_expired(app, now)
        else:
            values = {"last_seen_at": now}
            if session.modified:
                values |= {"data": _serializer.dumps(dict(session)), "user_id": _user_id(session)}
            with db.engine.begin() as conn:
                updated = conn.execute(sa.update(_table).where(_table.c.id == _hash(session.key)).values(**values))
            if updated.rowcount == 0:  # ended by another request meanwhile (Finish in another tab)
                response.delete_cookie(name, domain=domain, path=path, **self._cookie_flags(app))
                return
        response.set_cookie(name, session.key, domain=domain, path=path, **self._cookie_flags(app))

    def _cookie_flags(self, app) -> dict:
        # Deleting needs the same flags: browsers ignore a __Host- cookie set (or expired) without Secure.
        return {"httponly": self.get_cookie_httponly(app), "secure": self.get_cookie_secure(app),
                "samesite": self.get_cookie_samesite(app)}

    def _insert(self, session: ServerSession, now) -> None:
        with db.engine.begin() as conn:
            conn.execute(sa.insert(_table).values(
                id=_hash(session.key), data=_serializer.dumps(dict(session)), user_id=_user_id(session),
                created_at=now, last_seen_at=now))

    def _delete(self, key: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(sa.delete(_table).where(_table.c.id == _hash(key)))

    def _purge_expired(self, app, now) -> None:
        """Now and then, drop rows nobody can use any more (idle longer than the staff limit)."""
        if random.random() < 0.05:
            longest = max(app.config["STAFF_IDLE_MINUTES"], app.config["APPLICANT_IDLE_MINUTES"],
                          app.config["TEST_IDLE_MINUTES"])
            cutoff = now - timedelta(minutes=longest)
            with db.engine.begin() as conn:
                conn.execute(sa.delete(_table).where(_table.c.last_seen_at < cutoff))


def _user_id(session) -> int | None:
    value = session.get("_user_id")
    return int(value) if value else None


def end_sessions_of(user_id: int) -> None:
    """Log a staff member out everywhere (logout, disabled account, password change)."""
    with db.engine.begin() as conn:
        conn.execute(sa.delete(_table).where(_table.c.user_id == user_id))
