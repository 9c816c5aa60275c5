"""Pages that are the same for every newcomer, drawn once per worker and language instead of on every visit.

The start page is the busiest page there is (every QR code and poster leads there) and, for a visitor who has
nothing of their own yet, it depends only on the language, on whether the browser already holds the stylesheet
and on what the view names (for the start page: the loan cap and the year). Such a visit gets the page drawn and
compressed earlier, for ten minutes at most; anyone with a session, a terminal mark, a query string or an htmx
request gets the page drawn for them, as everywhere else. A page whose drawing touched the session (a CSRF
token, a flash) is never kept.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, request, session
from flask_babel import get_locale

from .assets import browser_holds
from .sessions import is_terminal

KEPT_SECONDS = 600
MOST_PAGES = 32        # endpoints × languages × stylesheet held or not × what they vary with: a handful
MOST_ENCODINGS = 8     # compressed bodies kept per page, by the Accept-Encoding header asked with


@dataclass
class KeptPage:
    body: bytes
    headers: list[tuple[str, str]]
    until: float
    compressed: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def shared_page(varies):
    """Keep this view's page for visitors with nothing of their own (see the module's docstring). `varies()`
    returns what else the page is drawn from (the loan cap, the year...): a new value draws it anew."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            key = _key(varies)
            if key is None:
                return view(*args, **kwargs)
            pages = _pages()
            kept = pages.get(key)
            if kept is None or kept.until < time.monotonic():
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
                    return response
                kept = KeptPage(response.get_data(), list(response.headers), time.monotonic() + KEPT_SECONDS)
                pages[key] = kept
                while len(pages) > MOST_PAGES:
                    pages.popitem(last=False)
            response = current_app.response_class(kept.body, headers=kept.headers)
            response.kept_page = kept  # read by extensions.Compress: the compressed body is kept too
            return response
        return wrapped
    return decorator


def _key(varies):
    if request.method != "GET" or request.args or request.headers.get("HX-Request") or session:
        return None
    if is_terminal(current_app, request):
        return None
    return request.endpoint, str(get_locale()), browser_holds("css/app.css"), varies()


def _pages() -> OrderedDict:
    return current_app.extensions.setdefault("bastau_kept_pages", OrderedDict())


def compressed_body(response, encoding: str) -> tuple[str, bytes] | None:
    """(Content-Encoding, body) kept for this page and this Accept-Encoding, if any."""
    kept = getattr(response, "kept_page", None)
    return kept.compressed.get(encoding) if kept else None


def keep_compressed(response, encoding: str) -> None:
    kept = getattr(response, "kept_page", None)
    coding = response.headers.get("Content-Encoding")
    if kept and coding and len(kept.compressed) < MOST_ENCODINGS:
        kept.compressed[encoding] = (coding, response.get_data())
