"""Forms of the employment centre's pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from ..forms import CHANNEL_LABELS, SOCIAL_STATUS_LABELS
from ..labels import NOT_TARGET_GROUP_REASON_LABELS, STATUS_LABELS
from ..lifecycle import CENTRE_QUEUE, sorted_statuses
from ..models import Status

QUEUE_STATUSES = tuple(sorted_statuses(CENTRE_QUEUE))
SORTS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "surname": _l("By surname"),
}
ALL = SelectChoice("", _l("All"))


def _options(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(getattr(key, "value", key), label) for key, label in labels.items()]


class QueueFilter(Form):
    """The queue's filters, read from the query string (a GET form: bookmarkable, no CSRF needed)."""
    status = SelectField(_l("Status"), choices=_options({s: STATUS_LABELS[s] for s in QUEUE_STATUSES}) + [ALL],
                         default=Status.SUBMITTED.value, validate_choice=False)
    q = StringField(_l("Name or IIN"), validators=[Optional(), Length(max=60)], filters=[lambda s: (s or "").strip()])
    source = SelectField(_l("Applied at"), choices=[ALL] + _options(CHANNEL_LABELS),
                         default="", validate_choice=False)
    social_status = SelectField(_l("Social status"), default="", validate_choice=False,
                                choices=[ALL] + _options(SOCIAL_STATUS_LABELS))
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    sort = SelectField(_l("Order"), choices=_options(SORTS), default="newest", validate_choice=False)
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=100000)])


def filter_options(filters: QueueFilter) -> dict[str, list[tuple[str, str]]]:
    """The choices of the filter's selects as (value, words) in the request's language: the page draws them with a
    plain loop (templates/centre/queue.html), which costs a fraction of WTForms' widget per option."""
    return {field.name: [(choice.value, str(choice.label)) for choice in field.choices]
            for field in (filters.status, filters.source, filters.social_status, filters.sort)}


class RejectForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[SelectChoice("", "—")] + _options(NOT_TARGET_GROUP_REASON_LABELS),
                         validate_choice=False)
    note = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=300)],
                         render_kw={"rows": 2, "maxlength": 300})
