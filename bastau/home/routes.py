"""The start page and the end of a session on a shared terminal."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import logout_user

from .. import rules
from ..clock import today
from ..models import MciRate
from ..web import render_page

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


@bp.get("/")
def start():
    return render_page("home/start.html", loan_cap=_loan_cap_today(), rate=rules.LOAN_RATE_PERCENT,
                       year=today().year)


@bp.post("/finish")
def finish():
    """'Finish' on a shared terminal: this session ends for good, and the next person starts clean."""
    logout_user()
    session.end()
    return redirect(url_for(".finished"))


@bp.get("/finished")
def finished():
    return render_template("home/finished.html")


@bp.get("/session-ended")
def session_ended():
    """Where an idle page sends itself, so that nothing personal stays on the screen."""
    logout_user()
    session.end()
    return render_template("home/finished.html", timed_out=True)
