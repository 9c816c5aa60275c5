"""The trainer's phone: today's session, attendance in a few taps, and who the absence rule flags.

Trainers see their own cohorts of their own district (the commission's decisions are in bastau/commission/).
Every page works with JavaScript off and at 320 px.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import rules
from ..calendar import module_title
from ..clock import today
from ..database import alphabetically
from ..extensions import db
from ..labels import ABSENCE_REASON_LABELS, MARK_LABELS, STATUS_LABELS
from ..models import Application, Attendance, Cohort, Role, Status, TrainingDay
from ..web import render_page, role_required
from . import services
from .forms import DayForm, read_register, saved_rows

bp = Blueprint("trainer", __name__)
TRAINER = (Role.TRAINER,)


# ---- The trainer ----

@dataclass
class CohortCard:
    """A cohort on the trainer's list: where it stands today."""
    cohort: Cohort
    today: TrainingDay | None
    next_day: TrainingDay | None
    delivered: int
    participants: int
    flagged: int

    @property
    def finished(self) -> bool:
        return bool(self.cohort.days) and self.cohort.days[-1].date < today()


def _cohort_or_404(cohort_id: int) -> Cohort:
    found = db.session.scalar(services.cohorts_for(current_user).where(Cohort.id == cohort_id))
    if found is None:
        abort(404)
    return found


def _day_or_404(day_id: int) -> TrainingDay:
    found = db.session.scalar(services.days_for(current_user).where(TrainingDay.id == day_id))
    if found is None:
        abort(404)
    return found


def _participants(cohort_ids: list[int]) -> list[Application]:
    return list(db.session.scalars(
        sa.select(Application).where(Application.cohort_id.in_(cohort_ids or [-1]))
        .order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Application.id)))


@bp.get("/trainer/")
@role_required(*TRAINER)
def cohorts():
    """My cohorts, the one with a session today on top (with a big button to its register)."""
    mine = db.session.scalars(services.cohorts_for(current_user).options(sa.orm.selectinload(Cohort.days))
                              .order_by(Cohort.start_date.desc(), Cohort.id.desc())).all()
    people = _participants([c.id for c in mine])
    counts = services.tallies([p.id for p in people])
    now = today()
    cards = []
    for cohort in mine:
        members = [p for p in people if p.cohort_id == cohort.id]
        cards.append(CohortCard(
            cohort, today=next((d for d in cohort.days if d.date == now), None),
            next_day=next((d for d in cohort.days if d.date > now), None),
            delivered=sum(1 for d in cohort.days if d.delivered_at), participants=len(members),
            flagged=sum(1 for p in members if services.is_flagged(p, counts[p.id]))))
    cards.sort(key=lambda card: (card.today is None, card.finished))  # today's session first, finished last
    return render_page("trainer/cohorts.html", cards=cards, module_title=module_title)


@bp.get("/trainer/cohorts/<int:cohort_id>")
@role_required(*TRAINER)
def cohort(cohort_id: int):
    """A cohort's schedule (delivered or not) and each participant's attendance so far, with the flag."""
    found = _cohort_or_404(cohort_id)
    people = _participants([found.id])
    counts = services.tallies([p.id for p in people])
    marked_days = set(db.session.scalars(
        sa.select(Attendance.training_day_id).join(TrainingDay).where(TrainingDay.cohort_id == found.id).distinct()))
    return render_page("trainer/cohort.html", cohort=found, people=people, counts=counts, today=today(),
                       marked_days=marked_days, flagged={p.id for p in people if services.is_flagged(p, counts[p.id])},
                       module_title=module_title, labels=STATUS_LABELS, Status=Status,
                       max_days=rules.MAX_UNEXCUSED_DAYS)


@bp.route("/trainer/days/<int:day_id>", methods=["GET", "POST"])
@role_required(*TRAINER)
def attendance(day_id: int):
    """One day's register: everyone present unless marked otherwise; one Save for the whole group."""
    day = _day_or_404(day_id)
    register = services.register_of(day)
    form = DayForm(data={"delivered": day.delivered_at is not None})
    if day.date > today():
        return _register_page(day, form, saved_rows(register, {}), error=services.FUTURE_DAY,
                              status=422 if request.method == "POST" else 200)
    if request.method == "GET":
        return _register_page(day, form, saved_rows(register, services.marks_of(day)))
    rows, choices = read_register(request.form, register)
    if not form.validate_on_submit() or any(row.error for row in rows):
        return _register_page(day, form, rows, status=422)
    try:
        services.save_attendance(current_user, day.id, choices, form.delivered.data)
    except services.Refused as refused:
        return _register_page(_day_or_404(day_id), form, rows, error=refused.message, status=422)
    flash(_("Attendance for %(date)s is saved.", date=format_date(day.date, "dd.MM.yyyy")))
    return redirect(url_for(".cohort", cohort_id=day.cohort_id))


def _register_page(day: TrainingDay, form: DayForm, rows, error=None, status: int = 200):
    return render_page("trainer/attendance.html", day=day, cohort=day.cohort, form=form, rows=rows, error=error,
                       future=day.date > today(), module=module_title(day.module_number), marks=MARK_LABELS,
                       reasons=ABSENCE_REASON_LABELS, status=status)


def _attendance_csrf_error():
    """The form was open so long that the session ended: keep what was marked and ask to save again."""
    if not current_user.is_authenticated:
        return redirect(url_for("staff.login", next=request.path))
    if current_user.role not in TRAINER:
        abort(403)
    day = _day_or_404(request.view_args["day_id"])
    rows, _choices = read_register(request.form, services.register_of(day))
    form = DayForm(formdata=None, data={"delivered": bool(request.form.get("delivered"))})
    return _register_page(day, form, rows, status=400,
                          error=_l("For your safety the page was renewed. Check the marks and press Save again."))


attendance.on_csrf_error = _attendance_csrf_error
