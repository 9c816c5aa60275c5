"""Staff record a person's written request to withdraw their consent: its registration number and date, then a
confirmation page that says what will happen; on confirming, the application is withdrawn (if it still may be)
and the person's personal data are erased (bastau/personal_data.py).

Who: the chamber branch of the person's district (the programme's operator there, where written requests are
registered) and the national administrator (requests sent to the head office). Irreversible, so never the front
desk or a trainer; the area rule of every staff page applies (access.applications_for).
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from .. import personal_data
from ..access import applications_for
from ..clock import today
from ..extensions import db
from ..forms import DATE_FORMATS, ENTER_A_DATE, FILL_IN
from ..labels import STATUS_LABELS
from ..models import Application, Role
from ..refusals import Refused
from ..web import render_page, role_required

bp = Blueprint("erasure", __name__, url_prefix="/staff/applications")
ERASERS = (Role.CHAMBER_STAFF, Role.NATIONAL_ADMIN)
# A registration number as offices write them (12/345, ВХ-17, 01-05/2026 №3): a number, never a name.
REQUEST_NUMBER = re.compile(r"[\w№/\-. ]{1,40}")


def _is_request_number(_form, field) -> None:
    text = (field.data or "").strip()
    if not REQUEST_NUMBER.fullmatch(text) or not any(ch.isdigit() for ch in text):
        raise ValidationError(_l("Type the registration number of the request as it is on the paper, for example "
                                 "12/345."))


def _not_in_future(_form, field) -> None:
    if field.data and field.data > today():
        raise ValidationError(_l("The request cannot be dated later than today."))


class WrittenRequestForm(FlaskForm):
    request_number = StringField(_l("Registration number of the request"),
                                 description=_l("As registered by your office, for example 12/345"),
                                 filters=[lambda text: (text or "").strip()],
                                 validators=[InputRequired(message=FILL_IN), Length(max=40), _is_request_number],
                                 render_kw={"maxlength": 40, "autocomplete": "off"})
    request_date = DateField(_l("Date of the request"), format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                             validators=[InputRequired(message=FILL_IN), _not_in_future],
                             render_kw={"type": "date"})
    confirmed = HiddenField()  # "yes" once the confirmation page was shown and its button pressed


def _application_or_404(application_id: int) -> Application:
    found = db.session.scalar(applications_for(current_user).where(Application.id == application_id))
    if found is None:
        abort(404)
    return found


def _page(application: Application, form: WrittenRequestForm, *, confirming: bool, status: int = 200, **context):
    return render_page("erasure/written_request.html", application=application, form=form, confirming=confirming,
                       labels=STATUS_LABELS, leaves=personal_data.leaves_the_programme(application),
                       status=status, **context)


@bp.route("/<int:application_id>/consent-withdrawal", methods=["GET", "POST"])
@role_required(*ERASERS)
def written_request(application_id: int):
    """The request's number and date; then the confirmation page; then the withdrawal and erasure."""
    application = _application_or_404(application_id)
    if application.anonymised_at is not None:
        return _page(application, WrittenRequestForm(formdata=None), confirming=False,
                     error=personal_data.ALREADY_ERASED, status=409)
    form = WrittenRequestForm()
    if not form.validate_on_submit():
        return _page(application, form, confirming=False, status=422 if form.errors else 200)
    if form.confirmed.data != "yes":
        return _page(application, form, confirming=True)
    try:
        personal_data.withdraw_consent(application.id, by=current_user, request_number=form.request_number.data,
                                       request_date=form.request_date.data)
    except Refused as refused:
        return _page(db.session.get(Application, application_id), form, confirming=False, error=refused.message,
                     status=409)
    flash(_l("The withdrawal of consent is recorded and the person's data are erased."))
    return redirect(url_for("staff.application", application_id=application_id))
