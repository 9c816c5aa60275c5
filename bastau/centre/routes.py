"""Employment centre: the queue of applications, target-group decisions, lists sent to the chamber."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..access import applications_for
from ..forms import CHANNEL_LABELS, SOCIAL_STATUS_LABELS
from ..clock import kz_midnight_utc
from ..collation import name_contains
from ..database import alphabetically
from ..extensions import db, htmx
from ..i18n import keep_draft
from ..ids import as_ids
from ..labels import (
    DECISION_LABELS,
    LIST_STATE_LABELS,
    NOT_TARGET_GROUP_REASON_LABELS,
    RETURN_REASON_LABELS,
    STATUS_LABELS,
    plain,
)
from .. import staff_search
from ..lists import services as lists
from ..models import ApplicantList, Application, Decision, Listed, Role, listing
from ..urls import safe_next
from ..paging import page_of
from ..web import render_page, role_required
from .forms import SORTS, QueueFilter, RejectForm, filter_options
from .services import decide_target_group, queue_counts

bp = Blueprint("centre", __name__, url_prefix="/centre")
PAGE_SIZE = 50
OFFICER = (Role.CENTRE_OFFICER,)
LIST_MESSAGES = {
    "empty": _l("There is nobody to send: confirm applicants first."),
    "not_current": _l("This version was replaced by a newer one; open the newest."),
    "no_change": _l("Nothing was changed: tick names to take off or to add."),
    "none_ticked": _l("Tick at least one applicant."),
}


def filtered_queue(user, filters: QueueFilter) -> sa.Select:
    """The officer's applications narrowed by the filters; the area check is in applications_for."""
    query = applications_for(user)
    if filters.status.data:
        query = query.where(Application.status == filters.status.data)
    if filters.source.data:
        query = query.where(Application.channel == filters.source.data)
    if filters.social_status.data:
        query = query.where(Application.social_status == filters.social_status.data)
    if filters.date_from.data:
        query = query.where(Application.created_at >= kz_midnight_utc(filters.date_from.data))
    if filters.date_to.data:
        query = query.where(Application.created_at < kz_midnight_utc(filters.date_to.data + timedelta(days=1)))
    text = filters.q.data
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and len(digits) == len(text.replace(" ", "")):
            query = query.where(Application.iin.startswith(digits))
        else:
            query = query.where(name_contains(Application.search_name, text))  # case, Ё/Е, NFC: bastau.collation
    order = {"oldest": (Application.created_at, Application.id),
             "surname": (alphabetically(Application.surname), alphabetically(Application.first_name),
                         Application.id)}.get(
        filters.sort.data, (Application.created_at.desc(), Application.id.desc()))
    return query.order_by(*order)


def _queue_page(args, message: str | None = None, status: int = 200, refused: bool = False):
    """`args`: the page's address parameters, where a search is only its key (staff_search)."""
    filters = QueueFilter(staff_search.filters_with_text(args))
    filters.validate()
    query = listing(filtered_queue(current_user, filters), Application.iin, Application.created_at,
                    Application.channel, Application.social_status, Application.consent_way)
    paged = page_of(query, filters.page.data, PAGE_SIZE, whole_rows=True)
    return render_page("centre/queue.html", "centre/_queue.html", status=status, filters=filters,
                       applications=Listed.all(paged.items), paged=paged,
                       counts=queue_counts(current_user), message=message, keep_ticks=refused,
                       # refused: the ticks, the reason and the comment stay as they were; done: a clean form
                       reject=RejectForm() if refused else RejectForm(formdata=None),
                       is_error=status != 200, args=staff_search.address_args(args),
                       back=urlencode(list(args.items(multi=True))), search_lost=staff_search.lost_notice(args),
                       labels=plain(STATUS_LABELS), channels=plain(CHANNEL_LABELS), social=plain(SOCIAL_STATUS_LABELS),
                       sorts=SORTS, options=filter_options(filters))


@bp.route("/", methods=["GET", "POST"])
@role_required(*OFFICER)
def queue():
    """The queue. Its filter form is POSTed and answered with a redirect, so that a name or an IIN typed into the
    search never appears in the address, the history or a log (bastau/staff_search.py)."""
    if request.method == "POST":
        return staff_search.posted_search(".queue")
    return staff_search.text_out_of_address(".queue") or _queue_page(request.args)


@bp.post("/decide")
@role_required(*OFFICER)
def decide():
    """Confirm or reject the ticked applications (one or hundreds) in one go."""
    ids = as_ids(request.form.getlist("application"))
    confirm = request.form.get("action") == "confirm"
    form = RejectForm()
    if not ids:
        return _after_decision(_l("Tick at least one applicant."), 422)
    if not confirm and form.reason.data not in NOT_TARGET_GROUP_REASON_LABELS:
        return _after_decision(_l("Choose the reason for the rejection."), 422)
    outcome = decide_target_group(current_user, ids, confirm, form.reason.data, form.note.data)
    if confirm:
        message = ngettext("%(num)d applicant confirmed as target group.",
                           "%(num)d applicants confirmed as target group.", len(outcome.moved))
    else:
        message = ngettext("%(num)d applicant marked as not in the target group.",
                           "%(num)d applicants marked as not in the target group.", len(outcome.moved))
    if outcome.skipped:
        message += " " + ngettext("%(num)d was left as it was: its status had already changed.",
                                  "%(num)d were left as they were: their status had already changed.",
                                  len(outcome.skipped))
    if outcome.waiting_consent:
        message += " " + ngettext("%(num)d was left as it was: the citizen's own consent is not recorded yet.",
                                  "%(num)d were left as they were: the citizens' own consent is not recorded yet.",
                                  len(outcome.waiting_consent))
    return _after_decision(message)


def _after_decision(message, status: int = 200):
    """htmx gets the refreshed queue at once; a plain form goes back to the same filtered page. A refusal is
    answered with the same queue (422), the ticks, the reason and the comment as they were, with or without JS."""
    # Re-encoded, so that no CR/LF typed into it reaches the Location header.
    back = urlencode(parse_qsl(request.form.get("back", "")[:1000], keep_blank_values=True))
    target = safe_next(request.form.get("next"), "")
    if target:  # decided from the application's own page: go back there
        if status != 200:  # refused: the reason and the comment come back on that page (the language switch's draft)
            keep_draft(target)
        flash(str(message))
        return redirect(target)
    if htmx or status != 200:
        return _queue_page(MultiDict(parse_qsl(back)), message, status, refused=status != 200)
    flash(str(message))
    return redirect(url_for(".queue") + ("?" + back if back else ""))


@bp.get("/lists")
@role_required(*OFFICER)
def list_index():
    sent = db.session.scalars(lists.lists_for(current_user).where(ApplicantList.is_current)
                              .order_by(ApplicantList.programme_year.desc(), ApplicantList.number.desc())).all()
    ready_query = lists.ready_to_send(current_user).order_by(None).subquery()
    ready = db.session.scalar(sa.select(sa.func.count()).select_from(ready_query))
    return render_page("centre/lists.html", lists=sent, states=lists.states_of([s.id for s in sent]),
                       ready=ready, state_labels=LIST_STATE_LABELS)


@bp.route("/lists/new", methods=["GET", "POST"])
@role_required(*OFFICER)
def new_list():
    """Preview who goes on the list, then send it: it gets the next number and is frozen."""
    candidates = db.session.scalars(lists.ready_to_send(current_user)).all()
    if request.method == "POST":
        chosen = as_ids(request.form.getlist("application"))
        try:
            sent = lists.send_list(current_user, chosen)
        except lists.ListError as error:
            message = LIST_MESSAGES["none_ticked" if candidates else error.code]
            return render_page("centre/new_list.html", candidates=candidates, error=message, status=422)
        return redirect(url_for("lists.view", list_id=sent.id))
    return render_page("centre/new_list.html", candidates=candidates)


@bp.route("/lists/<int:list_id>/revise", methods=["GET", "POST"])
@role_required(*OFFICER)
def revise(list_id: int):
    """Change a sent list: this makes a new version; the old one stays as it was."""
    sent = lists.list_for(current_user, list_id)
    if sent is None:
        abort(404)
    candidates = db.session.scalars(lists.ready_to_send(current_user)).all()
    if request.method == "POST":
        remove = as_ids(request.form.getlist("remove"))
        add = as_ids(request.form.getlist("add"))
        try:
            revised = lists.revise_list(current_user, sent, remove, add, request.form.get("note"))
        except lists.ListError as error:
            return _revise_page(sent, candidates, error=LIST_MESSAGES[error.code], status=422)
        return redirect(url_for("lists.view", list_id=revised.id))
    return _revise_page(sent, candidates)


def _revise_page(sent: ApplicantList, candidates, status: int = 200, **context):
    """The names on the list with the chamber's decisions; who may be added, those it returned marked as such."""
    names = lists.names_on(sent)
    returned = {e.application_id: e for e in names if e.decision == Decision.RETURNED}
    return render_page("centre/revise.html", sent=sent, names=names, candidates=candidates, returned=returned,
                       decisions=plain(DECISION_LABELS), reasons=plain(RETURN_REASON_LABELS), status=status, **context)

