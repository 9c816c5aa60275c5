"""The trainer's phone: today's session, attendance in a few taps, and who the absence rule flags.

Trainers see their own cohorts of their own district (the commission's decisions are in bastau/commission/).
Every page works with JavaScript off and at 320 px.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import rules
from ..calendar import module_title
from ..clock import today
from ..database import alphabetically
from ..extensions import db
from ..absences import is_at_risk, warning_first
from ..ids import as_id
from ..labels import ABSENCE_REASON_LABELS, MARK_LABELS, STATUS_LABELS, plain
from ..models import Application, Attendance, Cohort, Listed, Mark, Role, Status, TrainingDay, listed, listed_rows
from ..web import render_page, role_required
from . import services
from .forms import DayForm, read_register, saved_rows

bp = Blueprint("trainer", __name__)
TRAINER = (Role.TRAINER,)


# ---- The trainer ----

@dataclass
class CohortCard:
    """A cohort on the trainer's list: where it stands today. Its days come as a summary (columns of the cohorts'
    statement: bastau/trainer/routes._with_card_facts), not as rows: a year's cohorts have some 150 days."""
    cohort: Cohort
    today: TrainingDay | None
    next_date: date | None
    first_date: date | None
    last_date: date | None
    days: int
    delivered: int
    participants: int
    flagged: int

    @property
    def finished(self) -> bool:
        return self.last_date is not None and self.last_date < today()


def _with_card_facts(query: sa.Select, now: date) -> sa.Select:
    """Each cohort with what its card says, in the cohorts' own statement: its number of days, those delivered,
    the first, last and next date, how many people it has had (whoever left it too), and today's day, if any."""
    def of_days(column, *where):
        return sa.select(column).where(TrainingDay.cohort_id == Cohort.id, *where).scalar_subquery()
    today_day = sa.orm.aliased(TrainingDay, name="today_day")
    return (query.outerjoin(today_day, sa.and_(today_day.cohort_id == Cohort.id, today_day.date == now))
            .add_columns(today_day,
                         of_days(sa.func.count()).label("days"),
                         of_days(sa.func.count(TrainingDay.delivered_at)).label("delivered"),
                         of_days(sa.func.min(TrainingDay.date)).label("first_date"),
                         of_days(sa.func.max(TrainingDay.date)).label("last_date"),
                         of_days(sa.func.min(TrainingDay.date), TrainingDay.date > now).label("next_date"),
                         sa.select(sa.func.count()).where(Application.cohort_id == Cohort.id)
                         .scalar_subquery().label("participants")))


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


def _participants(cohort_ids: list[int], status: Status | None = None) -> list[Listed]:
    """The cohorts' participants as the cohort pages show them (a name to call, a phone), from plain rows: a year's
    cohorts hold up to 180 people, and building whole application rows for them was half the page's time. A
    template reaching for anything else raises (models.Listed)."""
    query = sa.select(Application).where(Application.cohort_id.in_(cohort_ids or [-1]))
    if status is not None:
        query = query.where(Application.status == status)
    return listed_rows(
        query.order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Application.id),
        Application.cohort_id, Application.phone)


@bp.get("/trainer/")
@role_required(*TRAINER)
def cohorts():
    """My cohorts, the one with a session today on top (with a big button to its register).

    One programme year at a time (this one by default, with any earlier cohort still running), so the page costs
    the same in a trainer's tenth year as in the first; earlier years are a link each."""
    years = services.cohort_years(current_user)
    this_year = rules.programme_year(today())
    shown = as_id(request.args.get("year"))
    shown = shown if shown in years else this_year
    now = today()
    rows = db.session.execute(_with_card_facts(
        services.cohorts_of_year(current_user, shown, running_too=shown == this_year)
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()), now)).all()
    mine = [row.Cohort for row in rows]
    # Only people still in training can be flagged or at risk: the others are counted, not loaded.
    people = _participants([c.id for c in mine], status=Status.IN_TRAINING)
    counts = services.tallies([p.id for p in people])
    cards = []
    for row in rows:
        members = [p for p in people if p.cohort_id == row.Cohort.id]
        cards.append(CohortCard(
            row.Cohort, today=row.today_day, next_date=row.next_date, first_date=row.first_date,
            last_date=row.last_date, days=row.days, delivered=row.delivered, participants=row.participants,
            flagged=sum(1 for p in members if services.is_flagged(p, counts[p.id]))))
    cards.sort(key=lambda card: (card.today is None, card.finished))  # today's session first, finished last
    titles = {c.id: c.title for c in mine}
    warned = sorted((p for p in people if services.is_flagged(p, counts[p.id]) or is_at_risk(p, counts[p.id])),
                    key=lambda p: warning_first(p, counts[p.id]))
    return render_page("trainer/cohorts.html", cards=cards, module_title=module_title, warned=warned, counts=counts,
                       titles=titles, flagged={p.id for p in warned if services.is_flagged(p, counts[p.id])},
                       shown_year=shown, other_years=[y for y in years if y != shown], this_year=this_year)


@bp.get("/trainer/cohorts/<int:cohort_id>")
@role_required(*TRAINER)
def cohort(cohort_id: int):
    """A cohort's schedule (delivered or not) and each participant's attendance so far, with the flag."""
    found = _cohort_or_404(cohort_id)
    people = _participants([found.id])
    counts = services.tallies([p.id for p in people])
    people.sort(key=lambda p: warning_first(p, counts[p.id]))
    # From the cohort's own days to their marks (the day's index of attendance), never the country's marks read whole.
    marked_days = set(db.session.scalars(
        sa.select(TrainingDay.id).where(TrainingDay.cohort_id == found.id,
                                        sa.select(Attendance.id).where(Attendance.training_day_id == TrainingDay.id)
                                        .exists())))
    return render_page("trainer/cohort.html", cohort=found, people=people, counts=counts, today=today(),
                       marked_days=marked_days, flagged={p.id for p in people if services.is_flagged(p, counts[p.id])},
                       module_title=module_title, labels=plain(STATUS_LABELS), Status=Status,
                       max_days=rules.MAX_UNEXCUSED_DAYS,
                       at_risk={p.id for p in people if is_at_risk(p, counts[p.id])})


@bp.route("/trainer/days/<int:day_id>", methods=["GET", "POST"])
@role_required(*TRAINER)
def attendance(day_id: int):
    """One day's register: everyone present unless marked otherwise; one Save for the whole group."""
    day = _day_or_404(day_id)
    # The page shows a name and a status a row; a POST writes marks and SMS, which read the whole application.
    shown_only = () if request.method == "POST" else (listed(),)
    register = services.register_of(day, *shown_only)
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
    """The register, flagged and at-risk participants first (the trainer may still call them)."""
    counts = services.tallies([row.application.id for row in rows])
    rows = sorted(rows, key=lambda row: warning_first(row.application, counts[row.application.id]))
    return render_page("trainer/attendance.html", day=day, cohort=day.cohort, form=form, rows=rows, error=error,
                       future=day.date > today(), module=module_title(day.module_number), marks=plain(MARK_LABELS),
                       reasons=plain(ABSENCE_REASON_LABELS), status=status, counts=counts,
                       flagged={r.application.id for r in rows if services.is_flagged(r.application,
                                                                                       counts[r.application.id])},
                       at_risk={r.application.id for r in rows if is_at_risk(r.application, counts[r.application.id])},
                       max_days=rules.MAX_UNEXCUSED_DAYS)


MAX_SENT = 100  # a register of 30, each tapped a few times while offline


@bp.post("/trainer/days/<int:day_id>/marks")
@role_required(*TRAINER)
def marks(day_id: int):
    """Marks sent by the register's script (static/js/register.js) as they are tapped, or from the phone's queue
    when the network is back: {"marks": [{"key", "person", "mark", "reason", "note"} | {"key", "delivered"}]}.
    Answers {"saved": [keys], "refused": {key: message}}; a key saved before is answered "saved" again."""
    _day_or_404(day_id)
    body = request.get_json(silent=True) if request.is_json else {}
    items = body.get("marks") if isinstance(body, dict) else None
    if items is None and isinstance(body, dict) and not body:
        items = []
    if not isinstance(items, list) or len(items) > MAX_SENT:
        return jsonify(error=_("The marks could not be read. Reload the page and tap them again.")), 422
    sent, refused = [], {}
    values = {m.value: m for m in Mark}
    for item in items:
        key = item.get("key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not services.KEY_PATTERN.fullmatch(key):
            return jsonify(error=_("The marks could not be read. Reload the page and tap them again.")), 422
        if "delivered" in item:
            sent.append(services.Sent(key, delivered=item["delivered"] is True))
            continue
        person, mark = item.get("person"), item.get("mark")
        if not isinstance(person, int) or as_id(person) is None or mark not in values:
            refused[key] = _("The marks could not be read. Reload the page and tap them again.")
            continue
        reason = item.get("reason") if isinstance(item.get("reason"), str) else ""
        note = item.get("note") if isinstance(item.get("note"), str) else ""
        if "\x00" in reason + note:
            refused[key] = _("The marks could not be read. Reload the page and tap them again.")
            continue
        sent.append(services.Sent(key, person, services.Choice(values[mark], reason[:40] or None,
                                                               note.strip()[:200] or None)))
    answers = services.save_sent_marks(current_user, day_id, sent)
    refused |= {key: message for key, message in answers.items() if message}
    if body.get("finished") is True and not refused:  # "Save attendance" pressed: said on the cohort's page
        day = _day_or_404(day_id)
        flash(_("Attendance for %(date)s is saved.", date=format_date(day.date, "dd.MM.yyyy")))
    response = jsonify(saved=[key for key, message in answers.items() if not message], refused=refused)
    response.headers["Cache-Control"] = "no-store"
    return response


def _marks_csrf_error():
    """The page's token no longer fits (the session ended or was renewed): the phone keeps the marks, and the
    page asks to sign in again; they are sent from the register after it."""
    signed_in = current_user.is_authenticated
    return jsonify(error="signed_out" if not signed_in else "renewed"), 401 if not signed_in else 400


marks.on_csrf_error = _marks_csrf_error


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
