"""Checking an application's status with the three details printed on the receipt."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from .. import rules
from ..apply.services import find_application
from ..extensions import db, limiter
from ..labels import EXPULSION_REASON_LABELS, NEXT_STEPS, NOT_TARGET_GROUP_REASON_LABELS, STATUS_LABELS
from ..models import Application
from ..web import render_page

bp = Blueprint("status", __name__, url_prefix="/status")
OPENED = "status_application_id"
NOT_FOUND = _l("We could not find an application with these details. Check all three against your receipt "
               "and try again.")


class LookupForm(FlaskForm):
    reference = StringField(_l("Reference number"), description=_l("For example BB-2026-000123"),
                            validators=[DataRequired(message=_l("Fill in this field."))],
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": 20})
    iin = StringField(_l("IIN"), validators=[DataRequired(message=_l("Fill in this field."))],
                      filters=[rules.normalise_iin],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 15})
    access_code = StringField(_l("Access code"), description=_l("8 digits, printed on your receipt"),
                              validators=[DataRequired(message=_l("Fill in this field."))],
                              render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12})


def _reference_key() -> str:
    """Rate-limit guesses per application too, not only per terminal."""
    parsed = Application.parse_reference(request.form.get("reference", ""))
    return f"reference:{parsed}" if parsed else "reference:none"


@bp.route("", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STATUS_LOOKUP_LIMIT"], methods=["POST"])
@limiter.limit("20 per hour", key_func=_reference_key, methods=["POST"])
def lookup():
    form = LookupForm()
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
    application_id = session.get(OPENED)
    application = db.session.get(Application, application_id) if application_id else None
    if application is None:
        return redirect(url_for(".lookup"))
    history = [entry for entry in application.history if entry.to_status is not None]
    return render_page("status/view.html", application=application, history=history,
                       labels=STATUS_LABELS, next_step=NEXT_STEPS.get(application.status),
                       reasons={**NOT_TARGET_GROUP_REASON_LABELS, **EXPULSION_REASON_LABELS})
