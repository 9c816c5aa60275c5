"""Staff searches by name, IIN or reference number never travel in a URL.

A URL is kept in the browser's history (on an employment centre's shared computer), in bookmarks, in the
proxy's access log and in Referer headers, so an IIN or a name typed into a search must not end up there. A
search form is therefore sent with POST (and its CSRF token); the server keeps the typed text in the server-side
session under a short random key and answers 303 to `GET …?search=<key>&<the other filters>` (Post/Redirect/Get),
so that Back, reload, the page links and a page opened without JavaScript all still work, and htmx follows the
redirect and swaps in the same fragment. The key means nothing outside this session: a link sent to a colleague
shows the page unsearched, with a word that the search was not kept. The other filters (status, dates, order,
page) say nothing about a person and stay in the address, where they can be bookmarked.

An address that carries the text itself (an old bookmark, a hand-typed `?q=`) is answered the same way: the
text moves into the session and the browser is sent on to the keyed address at once.
"""
from __future__ import annotations

import secrets

from flask import redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

SESSION_KEY = "staff_searches"  # {key: text}, newest last
PARAM = "search"
MOST = 20  # searches kept per session; older keys stop working (the page says so)
LONGEST = 100
NOT_KEPT = _l("This search is no longer kept (it belongs to another sign-in or is too old). Type it again.")


def keep(text: str) -> str:
    """The key of this search text in the session (the same key when the same text is searched again)."""
    kept = dict(session.get(SESSION_KEY) or {})
    key = next((key for key, value in kept.items() if value == text), None)
    if key is None:
        key = secrets.token_urlsafe(6)
    kept.pop(key, None)
    kept[key] = text
    session[SESSION_KEY] = dict(list(kept.items())[-MOST:])
    return key


def recalled(args) -> tuple[str, bool]:
    """(the text the address's `search` key stands for, whether a key was given but is not kept)."""
    key = args.get(PARAM, "")
    if not key:
        return "", False
    text = (session.get(SESSION_KEY) or {}).get(key)
    return (text, False) if isinstance(text, str) else ("", True)


def lost_notice(args):
    """What to say when the address names a search this session does not keep (else None)."""
    return NOT_KEPT if recalled(args)[1] else None


def filters_with_text(args, field: str = "q") -> MultiDict:
    """The page's filters as a form reads them: the address's own filters, and the kept text as `field`."""
    filters = MultiDict([(name, value) for name, value in args.items(multi=True) if name not in (PARAM, field)])
    text, _missing = recalled(args)
    if text:
        filters[field] = text
    return filters


def address_args(args) -> dict:
    """The parameters of this page's own links (pages, the way back after a decision): the key, never the text."""
    return {name: value for name, value in args.items() if name != PARAM or value}


def posted_search(endpoint: str, field: str = "q", **values):
    """The search form's POST: keep the text, then 303 to the page's address with the key and the other filters."""
    text = " ".join(request.form.get(field, "").split())[:LONGEST]
    # Empty filters stay: on the queue an empty status means "all", which is not the same as no status at all.
    params = {name: value for name, value in request.form.items()
              if name not in (field, PARAM, "csrf_token") and not name.startswith("_")}
    if text:
        params[PARAM] = keep(text)
    return redirect(url_for(endpoint, **values, **params), code=303)


def text_out_of_address(endpoint: str, field: str = "q", **values):
    """A GET whose address carries the text itself: move it into the session and go on to the keyed address.
    None when the address is clean."""
    if field not in request.args:
        return None
    text = " ".join(request.args.get(field, "").split())[:LONGEST]
    params = {name: value for name, value in request.args.items() if name not in (field, PARAM)}
    if text:
        params[PARAM] = keep(text)
    return redirect(url_for(endpoint, **values, **params), code=303)
