"""Staff sign-in that tells nobody which accounts exist, and limits that slow guessing but keep nobody out for long.

Every attempt does the same work and gets the same answer: the password is checked against a hash for an unknown
username and a disabled account too (a stand-in hash, made once with PASSWORD_HASH_METHOD), so the time taken
says nothing, and the text and status are the same for all three (staff.login).

Only failed attempts are counted, in the limiter's storage (Redis in production, shared by every worker): per
client address (LOGIN_LIMIT) and per typed username (LOGIN_ACCOUNT_LIMIT, ASVS 6.3.1). Counting failures only
means an akimat office signing in all day through one address is never paused for signing in right. The
username's count is kept whether or not the account exists, so the pause itself tells nothing; it lasts one short
window (10 minutes by default) from the first failure, after which the right password works again. And a browser
the username signed in from before (a signed cookie, KNOWN_COOKIE) counts on a counter of its own: whoever guesses
from elsewhere can pause that username for strangers' browsers, never for the person's own computer or terminal.
"""
from __future__ import annotations

import hmac
import secrets
from functools import cache

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from .. import rules
from ..extensions import db
from ..models import User

WRONG_CREDENTIALS = 401  # the one answer to a wrong username, a wrong password and a disabled account


def normalised_login(login: str) -> str:
    """What find_staff looks for: a mobile number in one form, else the username in lower case."""
    return rules.normalise_mobile(login) or login.strip().lower()


def find_staff(login: str) -> User | None:
    phone = rules.normalise_mobile(login)
    condition = User.username == login.strip().lower()
    if phone:
        condition = sa.or_(condition, User.phone == phone)
    return db.session.scalar(sa.select(User).where(condition).limit(1))


@cache
def _stand_in_hash(method: str) -> str:
    """A hash of a password nobody knows, made the way real ones are: checking it costs what checking theirs does."""
    return generate_password_hash(secrets.token_urlsafe(24), method=method)


def password_matches(user: User | None, password: str) -> bool:
    """Exactly one hash check, whether or not there is an account."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    matches = check_password_hash(user.password_hash if user is not None else _stand_in_hash(method), password)
    return matches and user is not None


def signed_in_user(login: str, password: str) -> User | None:
    """The account these details open, or None: the password is checked before anything else is looked at."""
    user = find_staff(login)
    if password_matches(user, password) and user.active:
        return user
    return None


def _typed_digest() -> str:
    """The typed username as the counters know it: an HMAC with the app's secret, not the text itself (what people
    type there is sometimes their password)."""
    typed = normalised_login(request.form.get("login", "")[:200])
    return hmac.new(current_app.secret_key.encode(), typed.encode(), "sha256").hexdigest()[:32]


def account_key() -> str:
    """The per-username counter. A browser this username signed in from before counts on a counter of its own
    (KNOWN_COOKIE), so whoever guesses elsewhere cannot keep the person out of their usual computer or terminal."""
    digest = _typed_digest()
    if digest in _known_here():
        return f"signin-known:{digest}"
    return f"signin-account:{digest}"


# ---- Browsers a username signed in from before ("device cookies") ----

KNOWN_COOKIE = "bastau_known"
KNOWN_SALT = "bastau-known-browser"
KNOWN_DAYS = 90
KNOWN_MOST = 30  # usernames one browser remembers: a shared terminal serves a whole office


def _known_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=KNOWN_SALT)


def _known_here() -> list[str]:
    value = request.cookies.get(KNOWN_COOKIE, "")
    if not value or len(value) > 3000:
        return []
    try:
        known = _known_serializer().loads(value, max_age=KNOWN_DAYS * 86400)
    except BadData:
        return []
    return [item for item in known if isinstance(item, str)] if isinstance(known, list) else []


def remember_browser(response):
    """After a right password: this browser is one the username signs in from (signed, HttpOnly, sent to the
    sign-in page only; it names nobody, it holds HMACs). Sign-out keeps it, as Clear-Site-Data keeps cookies."""
    digest = _typed_digest()
    known = [digest] + [item for item in _known_here() if item != digest]
    response.set_cookie(KNOWN_COOKIE, _known_serializer().dumps(known[:KNOWN_MOST]), max_age=KNOWN_DAYS * 86400,
                        path=request.path, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def failed(response) -> bool:
    """Only a refused sign-in counts: not a form with an empty field, not an expired page, not a success."""
    return response.status_code == WRONG_CREDENTIALS

