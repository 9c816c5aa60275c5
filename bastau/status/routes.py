"""Checking an application's status with the three details printed on the receipt."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from .. import personal_data, rules, withdrawal
from ..apply.services import application_for_new_code, find_application, reissue_access_code, set_sms_opt_in
from ..extensions import db, limiter
from ..forms import well_formed_iin
from ..labels import (
    EXPULSION_REASON_LABELS,
    NEXT_STEPS,
    NOT_TARGET_GROUP_REASON_LABELS,
    STATUS_LABELS,
)
from ..lifecycle import APPLICANT
from ..loans import services as loans
from ..models import (
    Application,
    Attendance,
    AuditEntry,
    BusinessPlan,
    Certificate,
    DefenceResult,
    LoanReferral,
    Mark,
    Status,
    TrainingDay,
)
from ..refusals import Refused
from .forms import BY_IIN, NewCodeForm, typed_date
from ..web import OPENED, forget_the_previous_person, render_page, try_again_in

bp = Blueprint("status", __name__, url_prefix="/status")
NOT_FOUND = _l("We could not find an application with these details. Check all three against your receipt "
               "and try again.")


class LookupForm(FlaskForm):
    reference = StringField(_l("Reference number"), description=_l("For example BB-2026-000123"),
                            validators=[DataRequired(message=_l("Fill in this field."))],
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": 20})
    iin = StringField(_l("IIN"), validators=[DataRequired(message=_l("Fill in this field.")), well_formed_iin],
                      filters=[rules.normalise_iin],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 15})
    access_code = StringField(_l("Access code"), description=_l("8 digits, printed on your receipt"),
                              validators=[DataRequired(message=_l("Fill in this field."))],
                              render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12})


def _reference_key() -> str:
    """Rate-limit guesses per application too, not only per terminal."""
    parsed = Application.parse_reference(request.form.get("reference", ""))
    return f"reference:{parsed}" if parsed else "reference:none"


def _iin_key() -> str:
    """... and per IIN: whoever types it, from wherever (typed IINs that exist or not count alike)."""
    return "status-iin:" + (rules.normalise_iin(request.form.get("iin", ""))[:12] or "none")


def _not_found(response) -> bool:
    """Only a look-up that found nothing counts against the details: a person who checks often is never locked
    out, and a mistyped field (422) is not a guess."""
    return response.status_code == 404


def _try_again_page(limit):
    """Too many tries: the form again, with what was typed, and when to try again, in the person's language."""
    again, wait = try_again_in(limit.reset_at)
    response = render_page("status/lookup.html", form=LookupForm(), status=429, paused=again)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.errorhandler(429)
def _paused(error):
    """The look-up's own pause page (with when to try again) rather than the general one."""
    from ..errors import error_page
    response = getattr(error, "response", None)
    return response if response is not None else error_page(429)


@bp.route("", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STATUS_LOOKUP_LIMIT"], methods=["POST"], on_breach=_try_again_page)
@limiter.limit(lambda: current_app.config["STATUS_LOOKUP_DETAILS_LIMIT"], key_func=_reference_key, methods=["POST"],
               deduct_when=_not_found, on_breach=_try_again_page)
@limiter.limit(lambda: current_app.config["STATUS_LOOKUP_DETAILS_LIMIT"], key_func=_iin_key, methods=["POST"],
               deduct_when=_not_found, on_breach=_try_again_page)
def lookup():
    form = LookupForm()
    if request.method == "GET":  # the receipt's QR code opens this page with the reference filled in
        if request.args.get("reference"):
            form.reference.data = request.args.get("reference", "")[:20]
    else:
        forget_the_previous_person()  # a new look-up: nothing of whoever used this screen before stays open
    if form.validate_on_submit():
        application = find_application(form.reference.data, form.iin.data, form.access_code.data)
        if application is not None:
            session[OPENED] = application.id
            return redirect(url_for(".view"))
        return render_page("status/lookup.html", form=form, error=NOT_FOUND, status=404)
    return render_page("status/lookup.html", form=form, status=422 if form.errors else 200)


lookup.on_csrf_error = lambda: render_page(
    "status/lookup.html", form=LookupForm(), status=400,
    notice=_l("For your safety the page was renewed. Press Show status again."))


@bp.get("/view")
def view():
    application = _opened_application()
    if application is None:
        return redirect(url_for(".lookup"))
    return _view_page(application)


def _view_page(application: Application, status: int = 200, **context):
    history = [entry for entry in application.history if entry.to_status is not None]
    return render_page("status/view.html", application=application, history=history,
                       labels=STATUS_LABELS, next_step=NEXT_STEPS.get(application.status),
                       can_withdraw=withdrawal.can_withdraw(application),
                       withdrawal_reasons=withdrawal.REASON_LABELS,
                       reasons={**NOT_TARGET_GROUP_REASON_LABELS, **EXPULSION_REASON_LABELS},
                       status=status, **context)


@bp.post("/sms")
def sms():
    """Stop SMS, or have them again: the person's own choice, kept with an audit entry."""
    application = _opened_application()
    if application is None:
        return redirect(url_for(".lookup"))
    wanted = request.form.get("sms") == "on"
    set_sms_opt_in(application.id, wanted)
    flash(_l("We will send you SMS about your application again.") if wanted else
          _l("SMS are stopped. You can turn them on again on this page at any time."))
    return redirect(url_for(".view"))


def _sms_token_expired():
    application = _opened_application()
    if application is None:
        return redirect(url_for(".lookup"))
    return _view_page(application, status=400,
                      notice=_l("For your safety the page was renewed. Press the button again."))


sms.on_csrf_error = _sms_token_expired


@bp.get("/results")
def results():
    """The whole road on one page: application, target group, test, training, plan, defence, certificate, loan."""
    application_id = session.get(OPENED)
    application = db.session.scalar(
        sa.select(Application).where(Application.id == application_id)
        .options(sa.orm.selectinload(Application.test_sittings), sa.orm.joinedload(Application.cohort),
                 sa.orm.joinedload(Application.district))) if isinstance(application_id, int) else None
    if application is None:
        return redirect(url_for(".lookup"))
    decided = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.application_id == application.id,
                                    AuditEntry.to_status.in_((Status.TARGET_GROUP_CONFIRMED, Status.NOT_TARGET_GROUP)))
        .order_by(AuditEntry.id.desc()).limit(1))
    target_group = decided.to_status if decided else (
        None if application.status in (Status.SUBMITTED, Status.WITHDRAWN) else
        Status.NOT_TARGET_GROUP if application.status == Status.NOT_TARGET_GROUP else Status.TARGET_GROUP_CONFIRMED)
    marks = dict(db.session.execute(sa.select(Attendance.mark, sa.func.count()).where(
        Attendance.application_id == application.id).group_by(Attendance.mark)).all())
    last_day = None
    if application.cohort_id:
        last_day = db.session.scalar(sa.select(sa.func.max(TrainingDay.date))
                                     .where(TrainingDay.cohort_id == application.cohort_id))
    latest = sa.select(BusinessPlan).where(BusinessPlan.application_id == application.id)
    return render_page(
        "status/results.html", application=application, labels=STATUS_LABELS, target_group=target_group,
        target_group_on=decided.created_at if decided else None,
        target_group_reason=NOT_TARGET_GROUP_REASON_LABELS.get(decided.reason) if decided else None,
        sittings=[s for s in application.test_sittings if s.finished_at], cohort=application.cohort,
        last_day=last_day, present=marks.get(Mark.PRESENT, 0), absent=marks.get(Mark.ABSENT, 0),
        excused=marks.get(Mark.EXCUSED, 0), marked=sum(marks.values()),
        plan=db.session.scalar(latest.order_by(BusinessPlan.version.desc()).limit(1)),
        defence=db.session.scalar(sa.select(DefenceResult).where(DefenceResult.application_id == application.id)),
        certificate=db.session.scalar(sa.select(Certificate).where(Certificate.application_id == application.id)),
        referral=db.session.scalar(sa.select(LoanReferral).where(LoanReferral.application_id == application.id)
                                   .order_by(LoanReferral.id.desc()).limit(1)),
        outcomes=loans.OUTCOME_LABELS, lender_name=loans.lender_name,
        certificate_kinds=CERTIFICATE_KIND_LABELS, offers=_offered("plans.download_own", "defence.my_certificate"))


def _offered(*endpoints: str) -> set[str]:
    """The download pages that exist (the plans and defence journeys add them): linked only when they do."""
    return {endpoint for endpoint in endpoints if endpoint in current_app.view_functions}


CERTIFICATE_KIND_LABELS = {
    "completion": _l("Certificate of completion"),
    "participation": _l("Certificate of participation"),
}


# ---- "Send my code again": a new access code to the phone in the application ----

CODE_SENT = _l("If the details match, we sent a new code to the phone in the application.")



def _code_application() -> Application | None:
    """The application the typed details name (looked up once per request: the rate limits key on it too)."""
    if "code_application" not in g:
        form = request.form
        if form.get("way") == BY_IIN:
            details = {"iin": rules.normalise_iin(form.get("iin", ""))[:12],
                       "birth_date": typed_date(form.get("birth_date"))}
        else:
            details = {"reference": form.get("reference", "")[:20]}
        g.code_application = application_for_new_code(**details) if all(details.values()) else None
        g.code_typed = str(Application.parse_reference(details["reference"]) or details["reference"]
                           if "reference" in details else details["iin"])
    return g.code_application


def _code_application_key() -> str:
    application = _code_application()
    return f"code:application:{application.id}" if application else f"code:typed:{g.code_typed}"


def _code_phone_key() -> str:
    application = _code_application()
    return f"code:phone:{application.phone}" if application else f"code:typed:{g.code_typed}"


def _answered(response) -> bool:
    """Only a request that got the answer counts (not a mistyped IIN the person fixes)."""
    return response.status_code == 200 and request.method == "POST"


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["CODE_RESEND_TERMINAL_LIMIT"], methods=["POST"], deduct_when=_answered)
@limiter.limit(lambda: current_app.config["CODE_RESEND_LIMIT"], key_func=_code_application_key, methods=["POST"],
               deduct_when=_answered)
@limiter.limit(lambda: current_app.config["CODE_RESEND_PHONE_LIMIT"], key_func=_code_phone_key, methods=["POST"],
               deduct_when=_answered)
def new_code():
    """Lost receipt: the same answer whether or not the details match, so the page tells nobody who applied."""
    form = NewCodeForm()
    if form.validate_on_submit():
        reissue_access_code(_code_application())  # hashes a code either way: the same time either way
        return render_page("status/code.html", form=form, sent=CODE_SENT,
                           reference=form.reference.data if form.by_reference else None)
    return render_page("status/code.html", form=form, status=422 if form.errors else 200)


new_code.on_csrf_error = lambda: render_page(
    "status/code.html", form=NewCodeForm(meta={"csrf": False}), status=400,
    notice=_l("For your safety the page was renewed. Press the button again."))


# ---- Withdrawal: the person leaves the programme (a confirm step first; works without JavaScript) ----

@bp.route("/withdraw", methods=["GET", "POST"])
def withdraw():
    """The confirm step, then the withdrawal itself; works without JavaScript."""
    application = _opened_application()
    if application is None:
        return redirect(url_for(".lookup"))
    form = withdrawal.WithdrawForm()
    error = None
    if not withdrawal.can_withdraw(application):
        error = CANNOT_WITHDRAW
    elif form.validate_on_submit():
        try:
            withdrawal.withdraw(application.id, by=APPLICANT, reason=form.reason.data, note=form.note.data)
        except Refused as refused:
            error = refused.message
        else:
            flash(_l("Your application is withdrawn. You may apply again whenever you wish."))
            return redirect(url_for(".view"))
    failed = request.method == "POST" and (form.errors or error)
    return _withdraw_page(application, form, error=error, status=422 if failed else 200)


def _opened_application() -> Application | None:
    application_id = session.get(OPENED)
    return db.session.get(Application, application_id) if isinstance(application_id, int) else None


def _withdraw_page(application: Application, form, status: int, **context):
    return render_page("status/withdraw.html", application=application, form=form, labels=STATUS_LABELS,
                       status=status, **context)


def _withdraw_token_expired():
    """The page stood open too long: show it again with the answer the person chose, to press once more."""
    application = _opened_application()
    if application is None:
        return redirect(url_for(".lookup"))
    return _withdraw_page(application, withdrawal.WithdrawForm(meta={"csrf": False}), status=400,
                          notice=_l("For your safety the page was renewed. Check your answer and press the "
                                    "button again."))


withdraw.on_csrf_error = _withdraw_token_expired
CANNOT_WITHDRAW = _l("This application can no longer be withdrawn: the training is completed or the application is "
                     "closed.")


# ---- Withdrawal of consent: the person's personal data are erased (a confirm step first; no JavaScript needed) ----

class WithdrawConsentForm(FlaskForm):
    understood = BooleanField(_l("I understand that my data will be erased for good"),
                              validators=[DataRequired(message=_l("Tick the box to confirm, or go back to keep "
                                                                  "your data."))])


@bp.route("/consent", methods=["GET", "POST"])
def withdraw_consent():
    """What withdrawing consent does, the box to tick, then the withdrawal and erasure; the session ends with it."""
    application = _opened_application()
    if application is None or application.anonymised_at is not None:
        return redirect(url_for(".lookup"))
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        try:
            personal_data.withdraw_consent(application.id, by=APPLICANT)
        except Refused as refused:
            return _consent_page(application, form, error=refused.message, status=409)
        session.end()  # nothing of the person stays open on this screen
        return redirect(url_for(".consent_withdrawn"))
    return _consent_page(application, form, status=422 if form.errors else 200)


def _consent_page(application: Application, form, status: int, **context):
    return render_page("status/consent.html", application=application, form=form, labels=STATUS_LABELS,
                       leaves=personal_data.leaves_the_programme(application), status=status, **context)


def _consent_token_expired():
    application = _opened_application()
    if application is None:
        return redirect(url_for(".lookup"))
    return _consent_page(application, WithdrawConsentForm(meta={"csrf": False}), status=400,
                         notice=_l("For your safety the page was renewed. Tick the box and press the button again."))


withdraw_consent.on_csrf_error = _consent_token_expired


@bp.get("/consent/done")
def consent_withdrawn():
    """Said to whoever opens it: it names no one and shows nothing of anyone."""
    return render_page("status/consent_done.html")
