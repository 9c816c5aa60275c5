"""The commission's decision about a participant flagged for too many absences."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from ..clock import today
from ..forms import NO_CHOICE
from ..labels import EXPULSION_REASON_LABELS, KEEP_REASON_LABELS
from .services import EXPULSION_REASONS, KEEP_REASONS

CHOOSE_DECISION_REASON = _l("Choose the reason for the decision.")


def _options(labels: dict, codes: tuple) -> list[SelectChoice]:
    return [NO_CHOICE] + [SelectChoice(code, labels[code]) for code in codes]


def _not_in_future(_form, field):
    if field.data and field.data > today():
        raise ValidationError(_l("The decision date cannot be in the future."))


class DecisionForm(FlaskForm):
    """The commission's decision about a participant flagged for too many absences.

    Each decision has its own short list of reasons; the page shows the list of the decision chosen.
    """
    decision = RadioField(_l("The commission's decision"),
                          choices=[SelectChoice("expel", _l("Expel from the training")),
                                   SelectChoice("keep", _l("Keep in training"))],
                          validate_choice=False,
                          validators=[AnyOf(("expel", "keep"), message=_l("Choose the decision."))])
    expel_reason = SelectField(_l("Reason for expelling"), validate_choice=False,
                               choices=_options(EXPULSION_REASON_LABELS, EXPULSION_REASONS))
    keep_reason = SelectField(_l("Reason for keeping"), validate_choice=False,
                              choices=_options(KEEP_REASON_LABELS, KEEP_REASONS))
    note = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=300)],
                         render_kw={"rows": 3, "maxlength": 300})
    decided_on = DateField(_l("Date of the decision"), default=today,
                           invalid_value_message=_l("Enter the date as day, month and year."),
                           validators=[InputRequired(message=_l("Enter the date.")), _not_in_future])

    def validate_expel_reason(self, field):
        if self.decision.data == "expel" and field.data not in EXPULSION_REASONS:
            raise ValidationError(CHOOSE_DECISION_REASON)

    def validate_keep_reason(self, field):
        if self.decision.data == "keep" and field.data not in KEEP_REASONS:
            raise ValidationError(CHOOSE_DECISION_REASON)

    @property
    def expel(self) -> bool:
        return self.decision.data == "expel"

    @property
    def reason(self) -> str:
        return self.expel_reason.data if self.expel else self.keep_reason.data
