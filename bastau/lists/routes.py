"""One list, as the employment centre, the chamber and administrators see it: view, print, export, changes."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from ..ids import query_id
from ..labels import DECISION_LABELS, ROLE_LABELS, plain
from ..models import ApplicantList, Role
from ..web import render_page, role_required
from . import export
from . import services as lists
from .pages import list_page

bp = Blueprint("lists", __name__, url_prefix="/lists")
READERS = (Role.CENTRE_OFFICER, Role.CHAMBER_STAFF, Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)


def _list_or_404(list_id: int) -> ApplicantList:
    found = lists.list_for(current_user, list_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:list_id>")
@role_required(*READERS)
def view(list_id: int):
    return list_page(_list_or_404(list_id))


@bp.get("/<int:list_id>.xlsx")
@role_required(*READERS)
def xlsx(list_id: int):
    return export.download(_list_or_404(list_id), "xlsx")


@bp.get("/<int:list_id>.csv")
@role_required(*READERS)
def csv(list_id: int):
    return export.download(_list_or_404(list_id), "csv")


@bp.get("/<int:list_id>/changes")
@role_required(*READERS)
def changes(list_id: int):
    """What changed between this version and the one before it (or the one chosen)."""
    newer = _list_or_404(list_id)
    all_versions = lists.versions(newer)
    older_id = query_id("from")
    older = next((v for v in all_versions if v.id == older_id), None) or next(
        (v for v in reversed(all_versions) if v.version < newer.version), None)
    if older is None:  # the first version: nothing to compare with
        return redirect(url_for(".view", list_id=newer.id))
    return render_page("lists/changes.html", changes=lists.compare(older, newer), decisions=plain(DECISION_LABELS),
                       roles=plain(ROLE_LABELS))
