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
from .export import in_order


def list_page(sent: ApplicantList, status: int = 200, **context):
    """The list with its state, versions and (for the chamber) the review controls."""
    names = lists.names_on(sent)
    return render_page("lists/view.html", sent=sent, entries=in_order(names), state=lists.state_of(names),
                       versions=lists.versions(sent),
                       decisions=plain(DECISION_LABELS), reasons=plain(RETURN_REASON_LABELS),
                       state_labels=plain(LIST_STATE_LABELS), roles=plain(ROLE_LABELS), Decision=Decision, status=status, **context)
