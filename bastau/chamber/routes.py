"""Chamber branch: the lists received from the employment centre, approving or returning names."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..ids import as_ids
from ..labels import LIST_STATE_LABELS, plain
from ..lists import services as lists
from ..lists.pages import list_page
from ..models import ApplicantList, Role
from ..web import render_page, role_required

bp = Blueprint("chamber", __name__, url_prefix="/chamber")
STAFF = (Role.CHAMBER_STAFF,)


@bp.get("/lists")
@role_required(*STAFF)
def list_index():
    received = db.session.scalars(lists.lists_for(current_user).where(ApplicantList.is_current)
                                  .order_by(ApplicantList.created_at.desc())).all()
    return render_page("chamber/lists.html", lists=received, states=lists.states_of([r.id for r in received]),
                       state_labels=plain(LIST_STATE_LABELS))


@bp.post("/lists/<int:list_id>/review")
@role_required(*STAFF)
def review(list_id: int):
    """Approve the ticked names (they go on to the test) or return them to the centre with a reason."""
    sent = lists.list_for(current_user, list_id)
    if sent is None:
        abort(404)
    entry_ids = as_ids(request.form.getlist("entry"))
    approve = request.form.get("action") == "approve"
    if not entry_ids:
        return _back(sent, _l("Tick at least one name."), 422)
    try:
        decided, skipped = lists.review_entries(current_user, sent, entry_ids, approve,
                                                request.form.get("reason"), request.form.get("note"))
    except lists.ListError as error:
        message = {"reason": _l("Choose the reason for returning the names."),
                   "not_current": _l("This version was replaced by a newer one; open the newest.")}[error.code]
        return _back(sent, message, 422)
    if approve:
        message = ngettext("%(num)d name approved.", "%(num)d names approved.", decided)
    else:
        message = ngettext("%(num)d name returned to the employment centre.",
                           "%(num)d names returned to the employment centre.", decided)
    if skipped:
        message += " " + ngettext("%(num)d had been decided already.", "%(num)d had been decided already.", skipped)
    return _back(sent, message)


def _back(sent: ApplicantList, message, status: int = 200):
    """A refusal is shown on the list itself; a done decision goes back to it (so a reload sends nothing)."""
    if status != 200:
        return list_page(sent, status=status, error=message)
    flash(str(message))
    return redirect(url_for("lists.view", list_id=sent.id))
