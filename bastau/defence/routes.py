"""Defence before the commission, the two certificates, and their public verification."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from .. import rules
from ..access import applications_for
from ..clock import today
from ..database import alphabetically
from ..extensions import db, limiter
from ..ids import as_ids
from ..labels import STATUS_LABELS, plain
from ..lifecycle import certificate_due
from ..models import Application, Cohort, DefenceSession, Role, Status
from ..web import OPENED, render_page, role_required
from . import certificate as printing
from . import protocol as protocols
from . import services
from .forms import ReopenForm, SessionForm, VerifyForm, score_form

bp = Blueprint("defence", __name__)
CHAMBER = (Role.CHAMBER_STAFF,)
READERS = (Role.CHAMBER_STAFF, Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)
SITTING = (Role.CHAMBER_STAFF, Role.COMMISSION, Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)
CORRECTORS = (Role.REGIONAL_ADMIN,)  # reopen a closed session (lifecycle: the "defence_reopened" correction)
KIND_LABELS = {"completion": _l("Certificate of completion"), "participation": _l("Certificate of participation")}
NOT_FOUND = _l("No certificate with this number was found. Check the number and try again.")
SHOWN_SESSIONS = 200


def _lookup_limit() -> str:
    return current_app.config["CERTIFICATE_LOOKUP_LIMIT"]


def _session_or_abort(session_id: int) -> DefenceSession:
    try:
        return services.session_for(current_user, session_id)
    except services.NotAMember:
        abort(403)


def _pdf(data: bytes, name: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- Sessions (chamber staff set them up; commission members score; administrators read) ----

@bp.get("/defence")
@role_required(*SITTING)
def sessions():
    rows = db.session.scalars(services.sessions_for(current_user)
                              .options(sa.orm.contains_eager(DefenceSession.cohort).joinedload(Cohort.district))
                              .order_by(DefenceSession.held_on.desc(), DefenceSession.id.desc())
                              .limit(SHOWN_SESSIONS)).all()
    return render_page("defence/sessions.html", rows=rows, closed=services.closed_among([s.id for s in rows]))


@bp.get("/cohorts/<int:cohort_id>/defence")
@role_required(*READERS)
def cohort(cohort_id: int):
    """A cohort's defences, results and certificates."""
    found = services.cohort_for(current_user, cohort_id)
    defence_sessions = db.session.scalars(services.sessions_for(current_user)
                                          .where(DefenceSession.cohort_id == found.id)
                                          .order_by(DefenceSession.held_on, DefenceSession.id)).all()
    people = db.session.scalars(applications_for(current_user)
                                .where(Application.cohort_id == found.id)
                                .order_by(alphabetically(Application.surname), Application.id)).all()
    certificates = services.certificates_of(current_user, found)
    results = services.results_for([a.id for a in people])
    certified = {c.application_id for c in certificates}
    due = [a for a in people if certificate_due(a.status) and a.id not in certified]
    return render_page("defence/cohort.html", cohort=found, sessions=defence_sessions, people=people,
                       results=results, certificates={c.application_id: c for c in certificates},
                       certificate_count=len(certificates), due=len(due), labels=plain(STATUS_LABELS),
                       kinds=plain(KIND_LABELS),
                       waiting=sum(1 for a in people if a.status == Status.TRAINING_COMPLETED),
                       manager=current_user.role == Role.CHAMBER_STAFF, dates=services.cohort_dates(found.id))


@bp.route("/cohorts/<int:cohort_id>/defence/new", methods=["GET", "POST"])
@role_required(*CHAMBER)
def new_session(cohort_id: int):
    found = services.cohort_for(current_user, cohort_id)
    commission = services.commission_of(found.district_id)
    form = SessionForm(commission=commission)
    if form.validate_on_submit():
        try:
            created = services.create_session(current_user, cohort_id, held_on=form.held_on.data,
                                              place=form.place.data, member_ids=form.members.data or [])
        except services.Refused as refused:
            form[refused.field].errors = [refused.message]
            found = services.cohort_for(current_user, cohort_id)
            return render_page("defence/new.html", form=form, cohort=found, status=409)
        flash(str(_l("The defence session is set up.")))
        return redirect(url_for(".session_page", session_id=created.id))
    return render_page("defence/new.html", form=form, cohort=found, status=422 if form.errors else 200)


def _session_page(session_id: int, status: int = 200, **context):
    found = _session_or_abort(session_id)
    closed = services.is_closed(found)
    people = services.participants(current_user, found)
    member = current_user.role == Role.COMMISSION
    closed_day = services.closed_on(found) if closed else None
    return render_page("defence/session.html", found=found, closed=closed, people=people,
                       scored=services.scored_by(found.id), results=services.results_of(found.id) if closed else {},
                       member=member, manager=current_user.role == Role.CHAMBER_STAFF and not closed,
                       reopen_until=services.reopen_until(found) if closed else None,
                       may_reopen=bool(closed_day and current_user.role in CORRECTORS
                                       and rules.defence_may_reopen(closed_day, today())),
                       reopenings=services.reopenings_of(found.id), status=status, **context)


@bp.get("/defence/<int:session_id>")
@role_required(*SITTING)
def session_page(session_id: int):
    return _session_page(session_id)


@bp.route("/defence/<int:session_id>/score/<int:application_id>", methods=["GET", "POST"])
@role_required(Role.COMMISSION)
def score(session_id: int, application_id: int):
    """One participant's plan on the rubric: a box per criterion, a plain form that works on a phone."""
    found = _session_or_abort(session_id)
    person = services.participant_of(current_user, found, application_id)
    if services.is_closed(found):
        return _session_page(session_id, error=services.CLOSED, status=409)
    criteria = services.criteria()
    saved = services.member_points(found.id, person.id, current_user.id)
    form = score_form(criteria, data={f"c{c}": p for c, p in saved.items()})
    if form.validate_on_submit():
        points = {c.id: form[f"c{c.id}"].data for c in criteria}
        try:
            services.save_scores(current_user, session_id, application_id, points)
        except services.NotAMember:
            abort(403)
        except services.Refused as refused:
            return _session_page(session_id, error=refused.message, status=409)
        flash(str(_l("Scores for %(name)s saved.", name=person.full_name)))
        return redirect(url_for(".session_page", session_id=session_id, _anchor=f"person-{application_id}"))
    return render_page("defence/score.html", form=form, found=found, person=person, criteria=criteria,
                       saved=bool(saved), status=422 if form.errors else 200)


def _absent_ids(values) -> set[int]:
    return set(as_ids(values))


def _confirm_page(session_id: int, absent: set[int], status: int = 200, **context):
    found = _session_or_abort(session_id)
    try:
        preview = services.close_preview(current_user, session_id, absent)
    except services.Refused as refused:
        return _session_page(session_id, error=refused.message, status=409)
    return render_page("defence/close.html", found=found, preview=preview, kinds=KIND_LABELS, ticked=absent,
                       reopen_days=rules.DEFENCE_REOPEN_DAYS,
                       status=status, **context)


@bp.get("/defence/<int:session_id>/close")
@role_required(*CHAMBER)
def close_confirm(session_id: int):
    """Before anything is recorded: who will be marked "did not come" (by name) and which certificates will
    be issued. Nothing is written here; the button on this page closes the session."""
    return _confirm_page(session_id, _absent_ids(request.args.getlist("absent")))


@bp.post("/defence/<int:session_id>/close")
@role_required(*CHAMBER)
def close(session_id: int):
    """Record the results (ticked people did not come) and issue the certificates, exactly as confirmed."""
    _session_or_abort(session_id)
    absent = _absent_ids(request.form.getlist("absent"))
    expected = request.form.get("confirm", "")
    if not expected:  # no confirmation seen: show it (a stale form of the session page lands here)
        return _confirm_page(session_id, absent, status=409)
    try:
        outcome = services.close_session(current_user, session_id, absent, today(), expected=expected[:40])
    except services.Refused as refused:
        if refused.message is services.CHANGED:
            return _confirm_page(session_id, absent, status=409, error=refused.message)
        return _session_page(session_id, error=refused.message, status=409)
    flash(str(_l("The session is closed: %(defended)s defended, %(not_defended)s not defended, "
                 "%(absent)s did not come.", defended=outcome.defended, not_defended=outcome.not_defended,
                 absent=outcome.absent)))
    flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", len(outcome.certificates)))
    return redirect(url_for(".session_page", session_id=session_id))


# ---- Reopening a closed session (a regional administrator, within 30 days) ----

def _reopen_page(session_id: int, form: ReopenForm, status: int = 200, error=None):
    found = _session_or_abort(session_id)
    try:
        reopening = services.reopen_preview(current_user, session_id, today())
    except services.Refused as refused:
        return _session_page(session_id, error=refused.message, status=409)
    allowed = rules.defence_may_reopen(reopening.closed_on, today())
    return render_page("defence/reopen.html", found=found, form=form, reopening=reopening, allowed=allowed,
                       reopen_days=rules.DEFENCE_REOPEN_DAYS,
                       kinds=KIND_LABELS, error=error, status=status)


@bp.get("/defence/<int:session_id>/reopen")
@role_required(*CORRECTORS)
def reopen_form(session_id: int):
    return _reopen_page(session_id, ReopenForm())


@bp.post("/defence/<int:session_id>/reopen")
@role_required(*CORRECTORS)
def reopen(session_id: int):
    form = ReopenForm()
    if not form.validate_on_submit():
        return _reopen_page(session_id, form, status=422)
    _session_or_abort(session_id)
    try:
        services.reopen_session(current_user, session_id, form.reason.data, today())
    except services.Refused as refused:
        if refused.field:
            form[refused.field].errors = [refused.message]
            return _reopen_page(session_id, form, status=422)
        return _reopen_page(session_id, form, status=409, error=refused.message)
    flash(str(_l("The session is reopened: the results are removed and the certificates revoked. The chamber "
                 "of entrepreneurs closes it again after the corrections.")))
    return redirect(url_for(".session_page", session_id=session_id))


# ---- The protocol: every member's scores, the averages and the results ----

@bp.get("/defence/<int:session_id>/protocol")
@role_required(*SITTING)
def protocol(session_id: int):
    found = _session_or_abort(session_id)
    return render_page("defence/protocol.html", found=found, protocol=protocols.build(current_user, found),
                       result_words=protocols.result_words)


@bp.get("/defence/<int:session_id>/protocol.pdf")
@role_required(*SITTING)
def protocol_pdf(session_id: int):
    found = _session_or_abort(session_id)
    data = protocols.render(protocols.build(current_user, found))
    return _pdf(data, f"protocol-{found.cohort.programme_year}-{found.cohort.number}-{found.id}.pdf")


# ---- Certificates (chamber staff) ----

@bp.post("/cohorts/<int:cohort_id>/certificates")
@role_required(*CHAMBER)
def issue(cohort_id: int):
    services.cohort_for(current_user, cohort_id)
    try:
        issued = services.issue_certificates(current_user, cohort_id, today())
    except services.Refused as refused:
        flash(str(refused.message))
        return redirect(url_for(".cohort", cohort_id=cohort_id, _anchor="certificates"))
    flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", len(issued)))
    return redirect(url_for(".cohort", cohort_id=cohort_id, _anchor="certificates"))


@bp.get("/cohorts/<int:cohort_id>/certificates.pdf")
@role_required(*CHAMBER)
def cohort_certificates(cohort_id: int):
    """Every certificate of the cohort in one PDF, a page each, to print at once."""
    found = services.cohort_for(current_user, cohort_id)
    certificates = services.certificates_of(current_user, found)
    if not certificates:
        flash(str(_l("No certificates have been issued in this cohort yet.")))
        return redirect(url_for(".cohort", cohort_id=cohort_id, _anchor="certificates"))
    return _pdf(printing.render(certificates), f"certificates-{found.programme_year}-{found.number}.pdf")


@bp.get("/staff/certificates/<int:certificate_id>.pdf")
@role_required(*CHAMBER)
def staff_certificate(certificate_id: int):
    found = services.certificate_for(current_user, certificate_id)
    return _pdf(printing.render([found]), printing.filename(found))


# ---- The participant (opened by the status look-up) ----

@bp.get("/status/certificate.pdf")
def my_certificate():
    application_id = session.get(OPENED)
    found = services.certificate_of_application(application_id) if isinstance(application_id, int) else None
    if found is None:
        abort(404)
    return _pdf(printing.render([found]), printing.filename(found))


@bp.app_template_global("participant_certificate")
def participant_certificate(application: Application):
    """For the applicant's status page: their certificate, if issued (link: url_for('defence.my_certificate'))."""
    return services.certificate_of_application(application.id)


# ---- Everyone: is this certificate real? ----

def _verification(number: str) -> dict:
    found = services.certificate_by_number(number) if number else None
    revoked = None
    if found is None:
        revoked = services.revoked_by_number(number) if number else None
        if revoked is None:
            return {"found": None}
    shown = found or revoked
    if shown.application.anonymised_at is not None:
        # The holder withdrew their consent (or the retention period ended): only that it was issued, no name.
        return {"found": shown, "revoked": revoked, "erased": True, "kind": KIND_LABELS[shown.kind.value]}
    first, last = services.cohort_dates(shown.cohort_id)
    priority = rules.gives_loan_priority(shown.kind.value) and found is not None
    until = rules.loan_priority_until(shown.issued_on) if priority else None
    return {"found": shown, "revoked": revoked,
            "newer": services.certificate_of_application(shown.application_id) if revoked else None,
            "holder": rules.mask_name(shown.application.surname, shown.application.first_name),
            "first": first, "last": last,
            "result": services.result_of_application(shown.application_id) if found else None,
            "priority": priority, "priority_until": until, "priority_now": bool(until and today() <= until),
            "kind": KIND_LABELS[shown.kind.value]}


@bp.route("/certificates", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def verify():
    """Type the number from the paper; the answer is on the certificate's own page."""
    form = VerifyForm()
    if form.validate_on_submit():
        return redirect(url_for(".certificate", number=rules.normalise_certificate_number(form.number.data)))
    return render_page("defence/verify.html", form=form, status=422 if form.errors else 200)


verify.on_csrf_error = lambda: render_page("defence/verify.html", form=VerifyForm(), status=400)


@bp.get("/certificates/<number>")
@limiter.limit(_lookup_limit)
def certificate(number: str):
    """The QR code's target: valid (with the holder's name masked) or, neutrally, not found."""
    number = rules.normalise_certificate_number(number)
    context = _verification(number)
    if context["found"] is None:
        return render_page("defence/verify.html", form=VerifyForm(data={"number": number}), number=number,
                           not_found=NOT_FOUND, status=404)
    return render_page("defence/verify.html", form=VerifyForm(data={"number": number}), number=number, **context)
