"""Financing referrals, their outcomes, and whether a business was opened (6 and 12 months on)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import rules
from ..clock import today
from ..ids import as_id
from ..labels import STATUS_LABELS, plain
from ..models import Role, Status
from ..web import RowLink, render_page, role_required
from . import services
from .forms import ApproveForm, DeclineForm, FollowUpForm, IssueForm, ReferralForm

bp = Blueprint("loans", __name__)
CHAMBER = (Role.CHAMBER_STAFF,)
FILTERS = {"all": services.FINANCING, **{s.value: (s,) for s in services.FINANCING}}


@bp.get("/financing")
@role_required(*CHAMBER)
def index():
    """The district's defended participants, referrals and loans, and whose business check is due."""
    return _index_page()


def _index_page(status: int = 200, error=None, skipped=()):
    chosen = request.args.get("status", "all")
    if chosen not in FILTERS:
        chosen = "all"
    day = today()
    years = services.financing_years(current_user)
    year = _chosen_year(years, day)
    rows = services.financing_rows(current_user, FILTERS[chosen], day, year=year,
                                   page=as_id(request.args.get("page")))
    due = services.follow_ups_due(current_user, day, page=as_id(request.args.get("due_page")))
    return render_page("loans/index.html", rows=rows, due=due, chosen=chosen, years=years, year=year,
                       args={"status": chosen, "year": year or "all", "due_page": due.page},
                       due_args={"status": chosen, "year": year or "all", "page": rows.page},
                       filters=[("all", _l("All"))] + [(s.value, STATUS_LABELS[s]) for s in services.FINANCING],
                       # words made once, not per row: up to 100 rows a page
                       labels=plain(STATUS_LABELS), months_words={m: ngettext("%(num)d month", "%(num)d months", m)
                                                            for m in rules.FOLLOW_UP_MONTHS},
                       participant_link=RowLink(".participant", "application_id"),
                       outcomes=services.OUTCOME_LABELS, lender_name=services.lender_name,
                       status=status, error=error, skipped=skipped)


def _chosen_year(years: list[int], day) -> int | None:
    """The programme year asked for; by default this year's, or the newest with anyone (None: every year)."""
    asked = request.args.get("year")
    if asked == "all":
        return None
    wanted = as_id(asked)
    if wanted in years:
        return wanted
    return day.year if day.year in years or not years else years[0]


def _picks(values) -> list[tuple[int, int]]:
    """"12-6" (participant 12, the 6-month follow-up) for each ticked box; anything else is ignored."""
    picks = []
    for value in values[:1000]:
        person, _, months = value.partition("-")
        person, months = as_id(person), as_id(months)
        if person is not None and months is not None:
            picks.append((person, months))
    return picks


@bp.post("/financing/follow-ups/not-opened")
@role_required(*CHAMBER)
def follow_ups_not_opened():
    """Tick several follow-ups due and record them at once as "no business opened"; then a summary to read."""
    picks = _picks(request.form.getlist("pick"))
    if not picks:
        return _index_page(status=422, error=_l("Tick at least one follow-up."))
    outcome = services.record_not_opened(current_user, picks, today=today())
    if not outcome.recorded:
        return _index_page(status=409, error=_l("Nothing was recorded."), skipped=outcome.skipped)
    for person, months, why in outcome.skipped[:20]:
        if person is not None:
            flash(gettext("%(name)s, %(months)s: not recorded. %(why)s", name=person.full_name,
                          months=ngettext("%(num)d month", "%(num)d months", months), why=why))
    done = ",".join(f"{person.id}-{months}" for person, months in outcome.recorded)
    return redirect(url_for(".follow_ups_recorded", done=done))


@bp.get("/financing/follow-ups/recorded")
@role_required(*CHAMBER)
def follow_ups_recorded():
    """What the bulk action recorded, to read (and print): nothing here can be changed."""
    picks = set(_picks(request.args.get("done", "").split(",")))
    rows = services.recorded_follow_ups(current_user, picks)
    return render_page("loans/recorded.html", rows=rows)


def _participant_page(application_id: int, status: int = 200, error=None, **forms):
    """One participant: the referral, the lender's answer, the pay-out and the follow-ups."""
    application = services.participant_for(current_user, application_id)
    referral = services.current_referral(application.id)
    follow_ups = services.follow_ups_of(application.id)
    trained_until = services.trained_until([application.cohort_id]).get(application.cohort_id)
    certified = services.certified_on([application.id]).get(application.id)
    day = today()
    cap = services.cap_on(day)
    forms.setdefault("referral_form", ReferralForm(data={"referred_on": day}))
    forms.setdefault("approve_form", ApproveForm(data={"amount": referral.amount_requested} if referral else None))
    forms.setdefault("decline_form", DeclineForm())
    forms.setdefault("issue_form", IssueForm(data={"issued_on": day, "amount": referral.approved_amount}
                                             if referral else None))
    for months in rules.FOLLOW_UP_MONTHS:
        key = f"follow_up_{months}"
        if key not in forms:
            row = follow_ups.get(months)
            forms[key] = FollowUpForm(months, data={
                "business_opened": "yes" if row.business_opened else "no", "opened_on": row.opened_on,
                "registered_as_ie": "yes" if row.registered_as_ie else "no",
                "jobs_created": row.jobs_created} if row else None)
    return render_page("loans/participant.html", application=application, referral=referral,
                       follow_ups=follow_ups, trained_until=trained_until, cap=cap,
                       due_on={m: rules.months_later(certified, m) for m in rules.FOLLOW_UP_MONTHS}
                       if certified else {}, today=day,
                       rate=rules.LOAN_RATE_PERCENT, labels=STATUS_LABELS, outcomes=services.OUTCOME_LABELS,
                       lender_name=services.lender_name, Status=Status, error=error, status=status, **forms)


@bp.get("/financing/<int:application_id>")
@role_required(*CHAMBER)
def participant(application_id: int):
    return _participant_page(application_id)


def _done(application_id: int, message, anchor: str):
    flash(str(message))
    return redirect(url_for(".participant", application_id=application_id, _anchor=anchor))


def _refused(application_id: int, refused: services.Refused, form_name: str, form):
    """Show the page again with what was typed and why it was refused."""
    if refused.field and refused.field in form:
        form[refused.field].errors = [refused.message]
        return _participant_page(application_id, status=409, **{form_name: form})
    return _participant_page(application_id, status=409, error=refused.message, **{form_name: form})


def _submit(application_id: int, form, form_name: str, change, done_message, anchor: str = "loan"):
    """Every financing form goes the same way: check the form, apply the change, and either show the refusal
    next to the form (with what was typed) or go back to the participant's page with a message."""
    if not form.validate_on_submit():
        return _participant_page(application_id, status=422, **{form_name: form})
    try:
        change(form)
    except services.Refused as refused:
        return _refused(application_id, refused, form_name, form)
    return _done(application_id, done_message, anchor)


@bp.post("/financing/<int:application_id>/referral")
@role_required(*CHAMBER)
def refer(application_id: int):
    """Refer a defended plan to a lender (up to 8,000 MCI of the year, at 6%)."""
    return _submit(application_id, ReferralForm(), "referral_form", lambda form: services.refer(
        current_user, application_id, institution=form.institution.data, amount=form.amount.data,
        term_months=form.term_months.data, referred_on=form.referred_on.data, today=today()),
        _l("Referred for a loan."))


@bp.post("/financing/<int:application_id>/approve")
@role_required(*CHAMBER)
def approve(application_id: int):
    return _submit(application_id, ApproveForm(), "approve_form", lambda form: services.approve(
        current_user, application_id, amount=form.amount.data), _l("Loan approval recorded."))


@bp.post("/financing/<int:application_id>/decline")
@role_required(*CHAMBER)
def decline(application_id: int):
    return _submit(application_id, DeclineForm(), "decline_form", lambda form: services.decline(
        current_user, application_id, reason=form.reason.data), _l("Refusal of the loan recorded."))


@bp.post("/financing/<int:application_id>/issue")
@role_required(*CHAMBER)
def issue(application_id: int):
    return _submit(application_id, IssueForm(), "issue_form", lambda form: services.issue(
        current_user, application_id, issued_on=form.issued_on.data, amount=form.amount.data, today=today()),
        _l("Pay-out of the loan recorded."))


@bp.post("/financing/<int:application_id>/follow-up/<int:months>")
@role_required(*CHAMBER)
def follow_up(application_id: int, months: int):
    """The 6- or 12-month check on the business; sending it again corrects it."""
    if months not in rules.FOLLOW_UP_MONTHS:
        abort(404)
    return _submit(application_id, FollowUpForm(months), f"follow_up_{months}", lambda form: services.record_follow_up(
        current_user, application_id, months, business_opened=form.business_opened.data == "yes",
        opened_on=form.opened_on.data, registered_as_ie=form.registered_as_ie.data == "yes",
        jobs_created=form.jobs_created.data, today=today()), _l("Follow-up saved."), f"follow-up-{months}")
