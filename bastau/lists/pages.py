"""The page of one list, drawn by the lists blueprint and again by the chamber's when a review is refused."""
from __future__ import annotations

from ..labels import (
    DECISION_LABELS,
    LIST_STATE_LABELS,
    RETURN_REASON_LABELS,
    ROLE_LABELS,
    plain,
)
from ..models import ApplicantList, Decision
from ..web import render_page
from . import services as lists
from .export import entries_in_order


def list_page(sent: ApplicantList, status: int = 200, **context):
    """The list with its state, versions and (for the chamber) the review controls; `sent` comes with its names
    loaded (lists.with_names)."""
    return render_page("lists/view.html", sent=sent, entries=entries_in_order(sent), state=lists.state_of(sent),
                       versions=lists.versions(sent),
                       decisions=plain(DECISION_LABELS), reasons=plain(RETURN_REASON_LABELS),
                       state_labels=plain(LIST_STATE_LABELS), roles=plain(ROLE_LABELS), Decision=Decision, status=status, **context)
