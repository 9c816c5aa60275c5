"""Staff read every version of the consent text; at the desk, the citizen's own consent to an application an operator
entered: printed for their signature and recorded, or confirmed with a code sent to their phone."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import applications_for
from ..consent import every_version
from ..extensions import db, limiter
from ..labels import ROLE_LABELS
from ..models import Application, Role
from ..refusals import Refused
from ..urls import safe_next
from ..web import render_page, role_required
from . import services
from .forms import AT_THE_DESK, CodeForm, PaperForm, assisted_consent

bp = Blueprint("consents", __name__, url_prefix="/consent")
CODES_PER_HOUR = "5 per hour"  # per application: a few resends if an SMS is slow, never a flood to one phone


def _application(application_id: int) -> Application:
    found = db.session.scalar(applications_for(current_user).where(Application.id == application_id))
    if found is None:
        abort(404)
    return found


@bp.get("/versions")
@role_required(*Role)
def versions():
    """Every version of the consent text, in Kazakh and Russian, as people read it (the processors by their role)."""
    return render_page("consents/versions.html", versions=every_version(), languages={"kk": "Қазақша", "ru": "Русский"})


@bp.get("/<int:application_id>")
@role_required(*AT_THE_DESK)
def desk(application_id: int):
    """The citizen's consent to one application: print it for their signature, or send them a code."""
    return _desk_page(_application(application_id))


def _desk_page(application: Application, status: int = 200, error=None, **forms):
    return render_page("consents/desk.html", application=application, roles=ROLE_LABELS, error=error, status=status,
                       **assisted_consent(application, **forms))


def _done(application: Application, message):
    flash(message)
    return redirect(safe_next(request.form.get("next"), url_for(".desk", application_id=application.id)))


@bp.post("/<int:application_id>/paper")
@role_required(*AT_THE_DESK)
def paper(application_id: int):
    application = _application(application_id)
    form = PaperForm()
    if not form.validate_on_submit():
        return _desk_page(application, 422, paper_form=form)
    try:
        services.record_paper_signature(application.id, by=current_user)
    except Refused as refused:
        return _desk_page(db.session.get(Application, application_id), 409, error=refused.message)
    return _done(application, _l("The citizen's consent is recorded: signed on paper."))


@bp.post("/<int:application_id>/code")
@role_required(*AT_THE_DESK)
@limiter.limit(CODES_PER_HOUR, key_func=lambda: f"consent-code:{request.view_args.get('application_id')}")
def send_code(application_id: int):
    application = _application(application_id)
    try:
        services.send_consent_code(application.id, by=current_user)
    except Refused as refused:
        return _desk_page(db.session.get(Application, application_id), 409, error=refused.message)
    return _done(application, _l("A code is on its way to the citizen's phone. Ask them to read it to you."))


@bp.post("/<int:application_id>/confirm")
@role_required(*AT_THE_DESK)
def confirm_code(application_id: int):
    application = _application(application_id)
    form = CodeForm()
    if not form.validate_on_submit():
        return _desk_page(application, 422, code_form=form)
    try:
        services.confirm_consent_code(application.id, form.code.data, by=current_user)
    except Refused as refused:
        application = db.session.get(Application, application_id)
        if refused.field == "code" and application.consent_pending:
            form.code.errors = [refused.message]
            return _desk_page(application, 422, code_form=form)
        return _desk_page(application, 409, error=refused.message)
    return _done(application, _l("The citizen's consent is recorded: confirmed with the code from the SMS."))
