"""The commission's journey: participants whom the absence rule flags, and the decision to expel or keep.

Chamber staff and commission members see the flagged participants of their district; commission members
record the decision. Every page works with JavaScript off and at 320 px.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import rules
from ..absences import is_flagged, tallies
from ..access import applications_for
from ..calendar import module_title
from ..clock import today
from ..extensions import db
from ..labels import EXPULSION_REASON_LABELS, KEEP_REASON_LABELS, STATUS_LABELS
from ..models import Application, Role
from ..web import render_page, role_required
from . import services
from .forms import DecisionForm

bp = Blueprint("commission", __name__)
FLAG_READERS = (Role.CHAMBER_STAFF, Role.COMMISSION)
COMMISSION = (Role.COMMISSION,)


@bp.get("/attendance/flagged")
@role_required(*FLAG_READERS)
def flagged():
    """Participants of the district with more than 3 unexcused days since the commission last kept them."""
    return render_page("commission/flagged.html", flagged=services.flagged_for(current_user),
                       max_days=rules.MAX_UNEXCUSED_DAYS)


@bp.route("/commission/participants/<int:application_id>", methods=["GET", "POST"])
@role_required(*COMMISSION)
def review(application_id: int):
    """A participant's attendance and the commission's decision: expel, or keep in training."""
    application = db.session.scalar(applications_for(current_user).where(Application.id == application_id))
    if application is None:
        abort(404)
    form = DecisionForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                decision = services.decide_expulsion(current_user, application.id, form.expel, form.reason,
                                                     form.note.data, form.decided_on.data)
            except services.Refused as refused:
                error, status = refused.message, 409
                application = db.session.get(Application, application_id)
            else:
                flash(_("The participant was expelled from the training.") if decision.expel
                      else _("The participant stays in training."))
                return redirect(url_for(".review", application_id=application_id))
        else:
            status = 422
    tally = tallies([application.id])[application.id]
    return render_page("commission/review.html", application=application, tally=tally, form=form, error=error,
                       flagged=is_flagged(application, tally), absences=services.unexcused_dates(application),
                       reviews=services.reviews_of(application), labels=STATUS_LABELS, module_title=module_title,
                       decision_reasons={**EXPULSION_REASON_LABELS, **KEEP_REASON_LABELS},
                       today_iso=today().isoformat(), status=status)
