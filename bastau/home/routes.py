"""The start page and the end of a session on a shared terminal."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import logout_user

from .. import rules
from ..clock import today
from ..models import MciRate
from ..web import render_page

bp = Blueprint("home", __name__)


@bp.get("/")
def start():
    mci = MciRate.on(today())
    return render_page("home/start.html", loan_cap=rules.loan_cap(mci.amount) if mci else None,
                       rate=rules.LOAN_RATE_PERCENT, year=today().year)


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
