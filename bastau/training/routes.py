"""Cohorts: chamber staff form them, schedule them and enrol participants; the public sees upcoming intakes."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from .. import rules
from ..clock import today
from ..extensions import db, htmx
from ..ids import as_id, as_ids
from ..labels import STATUS_LABELS, plain
from ..models import Application, Cohort, District, Role, listed_rows
from ..web import render_page, role_required
from . import services
from .forms import LANGUAGE_LABELS, CohortDetailsForm, CohortForm, DayForm, PlaceFilter

bp = Blueprint("training", __name__)
CHAMBER = (Role.CHAMBER_STAFF,)
READERS = (Role.CHAMBER_STAFF, Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)
MAX_CANDIDATES = 500  # more than a cohort's places; the page stays light


@bp.app_template_global("participant_schedule")
def participant_schedule(application: Application) -> services.ParticipantSchedule | None:
    """For the applicant's status page (templates/status/view.html): their cohort and dated schedule."""
    return services.participant_schedule(application, today())


# ---- Chamber staff: cohorts of the district ----

@bp.get("/cohorts")
@role_required(*READERS)
def cohorts():
    query = services.cohorts_for(current_user)
    rows = services.cohort_rows(query.options(sa.orm.selectinload(Cohort.district))
                                .order_by(Cohort.programme_year.desc(), Cohort.start_date.desc(), Cohort.id))
    return render_page("training/cohorts.html", rows=rows, languages=plain(LANGUAGE_LABELS),
                       can_form=current_user.role == Role.CHAMBER_STAFF,
                       show_district=current_user.district_id is None)


def _years() -> list[int]:
    return [today().year, today().year + 1]


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required(*CHAMBER)
def new_cohort():
    """Form a cohort: its schedule (25–30 dated days, the 12 modules in order) is made at once."""
    trainers = services.trainers_of(current_user.district_id)
    year = today().year
    free = services.free_numbers(current_user.district_id, year)
    form = CohortForm(trainers=trainers, years=_years(), today=today(),
                      data={"programme_year": str(year), "number": str(free[0]) if free else "",
                            "training_days": str(rules.MIN_TRAINING_DAYS)})
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                current_user, programme_year=int(form.programme_year.data), number=int(form.number.data),
                language=form.language.data, venue=form.venue.data, start=form.start.data,
                training_days=int(form.training_days.data), capacity=form.capacity.data,
                trainer_id=int(form.trainer.data))
        except services.Refused as refused:
            form[refused.field].errors = [refused.message]
            return render_page("training/new.html", form=form, trainers=trainers, status=409)
        flash(ngettext("Cohort formed: its schedule has %(num)d training day.",
                       "Cohort formed: its schedule has %(num)d training days.", cohort.training_days))
        return redirect(url_for(".cohort", cohort_id=cohort.id))
    return render_page("training/new.html", form=form, trainers=trainers, no_free_number=not free,
                       status=422 if form.errors else 200)


COHORT_COLUMNS = (Application.iin, Application.phone)  # what the participants' and candidates' tables show


def _cohort_page(cohort_id: int, status: int = 200, **context):
    """The cohort: details, dated schedule, participants and (for chamber staff) enrolment."""
    cohort = services.cohort_for(current_user, cohort_id, sa.orm.joinedload(Cohort.district),
                                 sa.orm.joinedload(Cohort.trainer))  # both named on the page
    day = today()
    manager = current_user.role == Role.CHAMBER_STAFF
    enrolling = manager and services.enrolment_open(cohort, day)
    candidates = listed_rows(services.waiting_for_a_cohort(current_user, cohort.district_id).limit(MAX_CANDIDATES),
                             *COHORT_COLUMNS) if enrolling else []
    enrolled = services.enrolled_count(cohort.id)
    participants = listed_rows(services.participants_of(current_user, cohort), *COHORT_COLUMNS)
    return render_page("training/cohort.html", cohort=cohort, rows=services.schedule_rows(cohort, day),
                       participants=participants, enrolled=enrolled, places_left=max(0, cohort.capacity - enrolled),
                       candidates=candidates, enrolling=enrolling, manager=manager,
                       removing=manager and services.removal_open(cohort, day), languages=plain(LANGUAGE_LABELS),
                       labels=plain(STATUS_LABELS), status=status, **context)


@bp.get("/cohorts/<int:cohort_id>")
@role_required(*READERS)
def cohort(cohort_id: int):
    return _cohort_page(cohort_id)


@bp.post("/cohorts/<int:cohort_id>/enrol")
@role_required(*CHAMBER)
def enrol(cohort_id: int):
    """Add the ticked applicants to the cohort: all of them, or none if they do not fit."""
    services.cohort_for(current_user, cohort_id)
    ids = as_ids(request.form.getlist("application"))
    try:
        added = services.enrol(current_user, cohort_id, ids, today())
    except services.Refused as refused:
        return _cohort_page(cohort_id, error=refused.message, status=409 if ids else 422)
    flash(ngettext("%(num)d person added to the cohort.", "%(num)d people added to the cohort.", len(added)))
    return redirect(url_for(".cohort", cohort_id=cohort_id, _anchor="participants"))


@bp.post("/cohorts/<int:cohort_id>/remove")
@role_required(*CHAMBER)
def unenrol(cohort_id: int):
    """Take one participant out of the cohort before training starts."""
    services.cohort_for(current_user, cohort_id)
    application_id = as_id(request.form.get("application"))
    if application_id is None:
        return _cohort_page(cohort_id, error=services.NOT_ENROLLED, status=422)
    try:
        removed = services.unenrol(current_user, cohort_id, application_id, today())
    except services.Refused as refused:
        return _cohort_page(cohort_id, error=refused.message, status=409)
    flash(str(_l("%(name)s was taken out of the cohort and waits for a cohort again.", name=removed.full_name)))
    return redirect(url_for(".cohort", cohort_id=cohort_id, _anchor="participants"))


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(*CHAMBER)
def edit_cohort(cohort_id: int):
    """Change the venue, the trainer or the number of places."""
    found = services.cohort_for(current_user, cohort_id)
    trainers = services.trainers_of(found.district_id)
    if found.trainer not in trainers:  # a trainer whose account was closed stays until replaced
        trainers.append(found.trainer)
    form = CohortDetailsForm(trainers=trainers, data={"venue": found.venue, "trainer": str(found.trainer_id),
                                                      "capacity": found.capacity})
    if form.validate_on_submit():
        try:
            services.update_cohort(current_user, cohort_id, venue=form.venue.data, trainer_id=int(form.trainer.data),
                                   capacity=form.capacity.data)
        except services.Refused as refused:
            form[refused.field].errors = [refused.message]
            found = services.cohort_for(current_user, cohort_id)
            return render_page("training/edit.html", form=form, cohort=found, status=409)
        flash(str(_l("Saved.")))
        return redirect(url_for(".cohort", cohort_id=cohort_id))
    return render_page("training/edit.html", form=form, cohort=found, status=422 if form.errors else 200)


@bp.route("/cohorts/<int:cohort_id>/days/<int:day_number>", methods=["GET", "POST"])
@role_required(*CHAMBER)
def edit_day(cohort_id: int, day_number: int):
    """Move one day of the schedule to another date, or change its module."""
    found = services.cohort_for(current_user, cohort_id)
    day = next((d for d in found.days if d.day_number == day_number), None)
    if day is None:
        abort(404)
    form = DayForm(data={"date": day.date, "module": str(day.module_number)})
    if form.validate_on_submit():
        try:
            services.change_day(current_user, cohort_id, day_number, form.date.data, int(form.module.data))
        except services.Refused as refused:
            found = services.cohort_for(current_user, cohort_id)
            day = next(d for d in found.days if d.day_number == day_number)
            if refused.field:
                form[refused.field].errors = [refused.message]
            return render_page("training/day.html", form=form, cohort=found, day=day,
                               error=None if refused.field else refused.message, status=409)
        flash(str(_l("Day %(number)s saved.", number=day_number)))
        return redirect(url_for(".cohort", cohort_id=cohort_id, _anchor=f"day-{day_number}"))
    return render_page("training/day.html", form=form, cohort=found, day=day, status=422 if form.errors else 200)


# ---- Everyone: when does training start in my district? ----

@bp.get("/training")
def upcoming():
    """Upcoming cohorts of a district with the places left. Works without JavaScript: a plain GET form."""
    form = PlaceFilter(request.args)
    district_id = form.district_id
    district = db.session.get(District, district_id) if district_id else None
    rows = services.upcoming_cohorts(district.id, today()) if district else []
    return render_page("training/upcoming.html", form=form, district=district, rows=rows, languages=LANGUAGE_LABELS)


@bp.get("/training/districts")
def districts():
    """The district list of a region, for htmx when the region changes."""
    if not htmx or htmx.history_restore_request:  # not a page of its own
        return redirect(url_for(".upcoming", region=request.args.get("region", "")[:10]))
    return render_page("training/_district_field.html", form=PlaceFilter(request.args))
