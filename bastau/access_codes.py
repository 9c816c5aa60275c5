"""Access codes: the 8 digits on a receipt, stored as an HMAC-SHA256 keyed by ACCESS_CODE_KEY, a secret that is
kept outside the database (the environment in production, instance/access_code_key in development).

Why a key and not a slow hash: 10^8 codes are about 26.6 bits. No stretching a look-up can afford protects that
offline (PBKDF2 with 60,000 rounds costs the server 19 ms a look-up, and a GPU farm tries all 10^8 codes of a
stolen row in seconds); without the key a stolen database or backup lets nobody try a single code. Guessing online
is stopped by the rate limits (bastau/status/routes.py), not here.

Stored form: "hmac-sha256$<key id>$<64 hex digits>". The key id (derived from the key, never the key) says which
key made the hash, so the key can be changed: the new one in ACCESS_CODE_KEY, the earlier ones in
ACCESS_CODE_OLD_KEYS. A code made with an old key, or a PBKDF2 hash of before ("pbkdf2:sha256:60000$…"), still
opens, and is replaced by the current form on the next successful look-up (`CodeCheck.outdated`).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

SCHEME = "hmac-sha256"
# The hash of before: still read, never written.
LEGACY_METHOD = "pbkdf2:sha256:60000"
LEGACY_PREFIX = "pbkdf2:"
_KEY_ID_MESSAGE = b"bastau access code key id"


@dataclass(frozen=True)
class CodeCheck:
    opens: bool
    outdated: bool = False  # it opened, but with an old key or PBKDF2: store hash_code(code) instead


def normalised(code: str | None) -> str:
    """The code as it is hashed: people type it with or without the space printed in the middle."""
    return "".join((code or "").split())


def hash_code(code: str) -> str:
    """The stored form of `code`, with the current key."""
    key_id, key = _current_key()
    return f"{SCHEME}${key_id}${_mac(key, normalised(code))}"


def check_code(stored: str | None, code: str, as_legacy: bool = False) -> CodeCheck:
    """Whether `code` opens what is stored. The work done is the same whatever is stored (also nothing, an
    anonymised row's marker, a hash of a key no longer configured): one HMAC, plus one PBKDF2 when `as_legacy`
    (the caller's say, from the reference typed, not from what was found) or when the stored hash is PBKDF2."""
    code = normalised(code)
    stored = stored or ""
    if stored.startswith(LEGACY_PREFIX):
        _mac(_current_key()[1], code)  # the HMAC every check does
        return CodeCheck(opens=check_password_hash(stored, code), outdated=True)
    if as_legacy:
        check_password_hash(_legacy_stand_in(), code)  # the PBKDF2 a legacy hash in this range would cost
    scheme, _, rest = stored.partition("$")
    key_id, _, digest = rest.partition("$")
    current_id, current_key = _current_key()
    key = _keys().get(key_id) if scheme == SCHEME else None
    computed = _mac(key or current_key, code)
    opens = key is not None and hmac.compare_digest(computed, digest)
    return CodeCheck(opens=opens, outdated=opens and key_id != current_id)


def check_nothing(code: str, as_legacy: bool = False) -> None:
    """The work of a check when there is no application: timing says nothing."""
    check_code(None, code, as_legacy=as_legacy)


def key_id(key: str) -> str:
    """8 hex digits that name a key in the stored hashes without giving it away."""
    return hmac.new(key.encode(), _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:8]


def _mac(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _current_key() -> tuple[str, bytes]:
    key = current_app.config["ACCESS_CODE_KEY"]
    return key_id(key), key.encode()


def _keys() -> dict[str, bytes]:
    """Every key a stored hash may name: the current one and ACCESS_CODE_OLD_KEYS."""
    return _keys_by_id(current_app.config["ACCESS_CODE_KEY"], tuple(current_app.config["ACCESS_CODE_OLD_KEYS"]))


@functools.lru_cache(maxsize=8)
def _keys_by_id(current: str, old: tuple[str, ...]) -> dict[str, bytes]:
    return {key_id(key): key.encode() for key in (*old, current)}


@functools.cache
def _legacy_stand_in() -> str:
    """A PBKDF2 hash to check against when the work of one must be done (made once per process: 19 ms)."""
    return generate_password_hash("00000000", method=LEGACY_METHOD)
