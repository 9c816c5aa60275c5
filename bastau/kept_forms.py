"""What a staff member typed survives a page left open too long.

A staff form posted with an expired CSRF token (the page sat open past the session, the person signed out and in
again in another tab) or after the sign-in ran out is not lost: the posted values are kept in the server session,
and the person lands on a page (`kept.show`) that shows them in words — whose names were ticked, the reason, the
text typed — with a fresh token and one button that sends them again to where they were going. Nothing is ever sent
again by itself: a decision about a person is made by a person pressing the button.

When the sign-in itself ran out, the person is sent to sign in with next= pointing at that page, and the values
travel across the sign-in (which starts a new session): the login view calls `carry()` before and `put_back()`
after it clears the session.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import Blueprint, Flask, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .ids import as_ids
from .models import Role
from .urls import safe_next
from .web import role_required

KEY = "kept_forms"
MARK = "_kept"  # the hidden field of a form sent again from the kept page: the kept copy is dropped then
KEEP_FOR = timedelta(hours=2)
MOST = 5  # forms kept per session
LARGEST = 20_000  # characters of posted values; larger forms (a file upload) are not kept
HIDDEN = {"csrf_token", "back", "next", MARK}
TOO_LONG_OPEN = _l("Your page was open too long, so nothing was saved yet. Check what you entered and press the "
                   "button again.")
SIGN_IN_AGAIN = _l("Your sign-in ran out. Sign in again: what you entered is kept and shown to you to send again.")

bp = Blueprint("kept", __name__, url_prefix="/kept")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_drop_when_sent_again)
    app.add_template_global(was_ticked)
    app.add_template_global(was_posted)


def was_ticked(name: str, value, default: bool = False) -> bool:
    """For a bulk list drawn again after a refused action: the boxes stay as the person ticked them."""
    if request.method != "POST":
        return default
    return str(value) in request.form.getlist(name)


def was_posted(name: str, default: str = "") -> str:
    """What was typed or chosen in a field of the form just refused (on a first visit: the default)."""
    return request.form.get(name, default) if request.method == "POST" else default


def recover_expired_form(view) -> object | None:
    """On a CSRF failure: for a staff form, keep what was posted and answer with the way back to it; else None."""
    if request.method != "POST" or not getattr(view, "allowed_roles", None) or request.files:
        return None
    values = [(name, value) for name, value in request.form.items(multi=True) if name not in ("csrf_token", MARK)]
    if not values or sum(len(name) + len(value) for name, value in values) > LARGEST:
        return None
    key = _keep(values)
    shown = url_for("kept.show", key=key)
    if current_user.is_authenticated:  # still a 400 (nothing was done), the page the same as kept.show's
        response = make_response(_kept_page(key), 400)
        target = shown
    else:
        flash(str(SIGN_IN_AGAIN))
        target = url_for("staff.login", next=shown)
        response = redirect(target, code=303)
    if request.headers.get("HX-Request") == "true":  # htmx would put the whole page in a corner: go there instead
        response = make_response("", 400)
        response.headers["HX-Redirect"] = target
    response.headers["Cache-Control"] = "no-store"
    return response


def _keep(values: list[tuple[str, str]]) -> str:
    kept = _fresh(session.get(KEY, {}))
    key = secrets.token_urlsafe(12)
    referrer = safe_next(_path_of(request.referrer), "")
    kept[key] = {"user_id": current_user.id if current_user.is_authenticated else None, "url": request.full_path.rstrip("?"), "endpoint": request.endpoint, "values": values,
                 "back": referrer or request.full_path.rstrip("?"),
                 "at": datetime.now(timezone.utc).isoformat()}
    while len(kept) > MOST:
        kept.pop(min(kept, key=lambda k: kept[k]["at"]))
    session[KEY] = kept
    return key


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _fresh(kept: dict) -> dict:
    now = datetime.now(timezone.utc)
    return {k: v for k, v in dict(kept).items() if now - datetime.fromisoformat(v["at"]) < KEEP_FOR}


def carry() -> dict:
    """Before the sign-in clears the session: the forms kept in it."""
    return _fresh(session.get(KEY, {}))


def put_back(kept: dict) -> None:
    """After the sign-in: the kept forms go into the new session."""
    if kept:
        session[KEY] = kept


def _drop_when_sent_again() -> None:
    key = request.form.get(MARK) if request.method == "POST" else None
    if key and key in session.get(KEY, {}):
        kept = dict(session[KEY])
        kept.pop(key, None)
        session[KEY] = kept


@bp.get("/<key>")
@role_required(*Role)
def show(key: str):
    """The values a staff member had posted, in words, with the button that sends them again."""
    return _kept_page(key)


def _kept_page(key: str):
    kept = _fresh(session.get(KEY, {})).get(key)
    if kept and kept.get("user_id") not in (None, current_user.id):
        kept = None  # kept for the person signed in before: never shown to another one
    if kept is None:  # sent already, or kept too long ago: nothing to show, nothing refused
        return render_template("errors/kept.html", kept=None)
    values = [tuple(pair) for pair in kept["values"]]
    return render_template("errors/kept.html", kept=kept, key=key, values=values, described=describe(values),
                           message=TOO_LONG_OPEN, mark=MARK)


def describe(values: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """What the form said, as a clerk reads it: the people ticked by name, the choice, the text typed."""
    from .access import applications_for
    from .database import alphabetically
    from .extensions import db
    from .labels import ALL_REASON_LABELS
    from .lists.services import lists_for
    from .models import ApplicantList, Application, ListEntry

    rows: list[tuple[str, list[str]]] = []
    by_name: dict[str, list[str]] = {}
    for name, value in values:
        if name not in HIDDEN:
            by_name.setdefault(name, []).append(value)

    def people(query) -> list[str]:
        return [f"{a.full_name} ({a.iin})" for a in db.session.scalars(query)]

    for name, found in by_name.items():
        ids = as_ids(found)
        if name in ("application", "participant", "person") and ids:
            rows.append((str(_l("Ticked")), people(applications_for(current_user).where(Application.id.in_(ids))
                                                   .order_by(alphabetically(Application.surname)))))
        elif name in ("entry", "remove") and ids:
            entries = (sa.select(Application).join(ListEntry, ListEntry.application_id == Application.id)
                       .join(ApplicantList, ApplicantList.id == ListEntry.list_id)
                       .where(ListEntry.id.in_(ids), ApplicantList.id.in_(
                           lists_for(current_user).with_only_columns(ApplicantList.id)))
                       .order_by(alphabetically(Application.surname)))
            rows.append((str(_l("Ticked")), people(entries)))
        elif name == "add" and ids:
            rows.append((str(_l("To add")), people(applications_for(current_user).where(Application.id.in_(ids)))))
        elif name == "action":
            rows.append((str(_l("Button pressed")), [str(ACTIONS.get(v, v)) for v in found]))
        elif name == "reason":
            rows.append((str(_l("Reason")), [str(ALL_REASON_LABELS.get(v, v)) for v in found if v]))
        elif any(v.strip() for v in found) and not all(v.isdigit() for v in found):
            rows.append((str(_l("Typed")), [v for v in found if v.strip()]))
    return [(label, shown) for label, shown in rows if shown]


ACTIONS = {
    "confirm": _l("Confirm: in the target group"),
    "reject": _l("Reject: not in the target group"),
    "approve": _l("Approve"),
    "return": _l("Return to the employment centre"),
    "not_opened": _l("Record as not opened"),
}
