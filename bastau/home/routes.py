"""The start page and the end of a session on a shared terminal."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import logout_user

from .. import rules
from ..clock import today
from ..models import MciRate, Role
from ..page_cache import shared_page
from ..sessions import TERMINAL_COOKIE, TERMINAL_YEARS, clear_site_data, is_terminal, terminal_cookie_value
from ..urls import safe_next
from ..web import render_page, role_required

bp = Blueprint("home", __name__)


_MCI_KEPT_SECONDS = 600


def _loan_cap_today() -> int | None:
    """The start page is the busiest page and the MCI changes once a year: each worker keeps the cap for
    ten minutes instead of asking the database on every visit."""
    day, kept = today(), current_app.extensions.setdefault("bastau_loan_cap", {})
    if kept.get("day") != day or kept.get("until", 0) < time.monotonic():
        mci = MciRate.on(day)
        kept.update(day=day, until=time.monotonic() + _MCI_KEPT_SECONDS,
                    cap=rules.loan_cap(mci.amount) if mci else None)
    return kept["cap"]


def _start_page_facts() -> tuple:
    """All the start page is drawn from, besides the language (bastau/page_cache.py keeps it by them)."""
    return _loan_cap_today(), today().year


@bp.get("/")
@shared_page(varies=_start_page_facts)
def start():
    loan_cap, year = _start_page_facts()
    return render_page("home/start.html", loan_cap=loan_cap, rate=rules.LOAN_RATE_PERCENT, year=year)


@bp.post("/finish")
def finish():
    """'Finish' on a shared terminal: this session ends for good, and the next person starts clean."""
    logout_user()
    session.end()
    return clear_site_data(redirect(url_for(".finished")), keeps_unsent_marks=bool(request.form.get("unsent")))


@bp.get("/finished")
def finished():
    return render_template("home/finished.html")


@bp.get("/session-ended")
def session_ended():
    """Where an idle page sends itself, so that nothing personal stays on the screen. A staff page sends
    next= itself: the staff member signs in again and comes back to it (never to an applicant's page)."""
    back = safe_next(request.args.get("next"), "")
    logout_user()
    session.end()
    if back:
        response = redirect(url_for("staff.login", next=back, ended=1))
    else:
        response = current_app.make_response(render_template("home/finished.html", timed_out=True))
    # On a shared terminal the next person may be a stranger: the cache goes too (not the storage: nobody is
    # there to say whether it still holds marks not yet sent). A person's own phone keeps its cached scripts.
    return clear_site_data(response, storage=False) if is_terminal(current_app, request) else response


@bp.post("/session/keep-alive")
def keep_alive():
    """"I am still here" (the idle warning's button, or someone typing): the session's clock starts again.
    It writes only the session's own last-seen time, never programme data."""
    if session:
        session.touch()
    return "", 204


# ---- Shared terminals: a browser marked by staff ----

TERMINAL_STAFF = (Role.OPERATOR, Role.CENTRE_OFFICER, Role.CHAMBER_STAFF, Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)


@bp.route("/terminal", methods=["GET", "POST"])
@role_required(*TERMINAL_STAFF)
def terminal():
    """Mark this browser as a shared terminal (short idle limit, pages clear themselves), or remove the mark.
    The mark is a long-lived signed cookie of this browser alone; signing out keeps it."""
    marked_by_cookie = bool(request.cookies.get(TERMINAL_COOKIE)) and is_terminal(current_app, request)
    if request.method == "GET":
        return render_page("home/terminal.html", marked=marked_by_cookie, terminal_now=is_terminal(current_app, request),
                           minutes=current_app.config["APPLICANT_IDLE_MINUTES"],
                           personal_minutes=current_app.config["PERSONAL_IDLE_MINUTES"])
    response = redirect(url_for(".terminal"))
    if request.form.get("mark") == "on":
        response.set_cookie(TERMINAL_COOKIE, terminal_cookie_value(current_app), max_age=TERMINAL_YEARS * 365 * 86400,
                            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
        flash(_l("This browser is now a shared terminal."))
    else:
        response.delete_cookie(TERMINAL_COOKIE, httponly=True, samesite="Lax",
                               secure=current_app.config["SESSION_COOKIE_SECURE"])
        flash(_l("This browser is no longer a shared terminal."))
    return response
