"""Whether an IIN already applied this year is personal data (it says that person is out of work and asked for
help), so the form keeps it to the very end.

While the form is being filled in, nothing asks the database about the IIN: the live IIN line, the district list,
the language switch and "Continue" answer the same for an IIN that applied and one that did not. Only when the
application is sent (the whole form valid, the answers checked) is the IIN looked up, and each such look-up is
counted: per caller (the address of an anonymous visitor, the account of a signed-in operator) and per IIN,
whoever types it. When a count is used up, the person is told when to try again and keeps what they typed.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from ..extensions import client_address, limiter
from ..web import current_operator

NAMESPACE = "apply-duplicate-check"
PAUSED = _l("We could not send the application just now: too many applications were sent from this place or "
            "with this IIN in a short time. Your answers are kept.")


def _iin_key(iin: str) -> str:
    """A keyed hash, so that the rate-limit store (Redis) never holds a list of IINs that were typed."""
    secret = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else current_app.secret_key
    return "iin:" + hmac.new(secret, iin.encode(), hashlib.sha256).hexdigest()[:32]


def _counted(iin: str) -> list[tuple[str, str]]:
    """(limit, key) pairs: the caller and the IIN."""
    config = current_app.config
    operator = current_operator()
    if operator is not None:  # an akimat's operators share one address: count each account on its own
        caller = (config["DUPLICATE_CHECK_OPERATOR_LIMIT"], f"operator:{operator.id}")
    else:
        caller = (config["DUPLICATE_CHECK_LIMIT"], f"address:{client_address()}")
    return [caller, (config["DUPLICATE_CHECK_IIN_LIMIT"], _iin_key(iin))]


def spend_a_look_up(iin: str) -> float | None:
    """Count one "has this IIN applied?" look-up. None when it may go ahead; else the time (a Unix timestamp)
    from which it may, and nothing is counted."""
    if not limiter.enabled:  # RATELIMIT_ENABLED=False, as for every other limit
        return None
    strategy = limiter.limiter
    items = [(item, key) for spec, key in _counted(iin) for item in parse_many(spec)]
    used_up = [strategy.get_window_stats(item, NAMESPACE, key).reset_time
               for item, key in items if not strategy.test(item, NAMESPACE, key)]
    if used_up:
        return max(used_up)
    for item, key in items:
        strategy.hit(item, NAMESPACE, key)
    return None

