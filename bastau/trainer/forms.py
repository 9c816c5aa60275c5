"""Forms of the trainer's and the commission's pages.

The register of a day is one plain form with three short fields per participant (m<id>, r<id>, n<id>):
thirty participants must fit a slow phone connection, so it is written by hand in the template and read
here, not built from thirty WTForms subforms.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from ..clock import today
from ..labels import EXPULSION_REASON_LABELS, KEEP_REASON_LABELS
from ..models import Application, Attendance, Mark
from .services import ABSENCE_REASONS, EXPULSION_REASONS, KEEP_REASONS, Choice

NOTE_MAX = 200
CHOOSE_REASON = _l("Choose the reason for the absence.")
CHOOSE_DECISION_REASON = _l("Choose the reason for the decision.")


class DayForm(FlaskForm):
    """The parts of the register that are not per participant (and the CSRF token)."""
    delivered = BooleanField(_l("The module of this day was delivered"))


@dataclass
class Row:
    """One participant's line on the register, as shown (saved mark, or what was just sent)."""
    application: Application
    mark: str = Mark.PRESENT.value
    reason: str = ""
    note: str = ""
    error: str | None = None


def saved_rows(register: list[Application], saved: dict[int, Attendance]) -> list[Row]:
    """Everyone starts as present, unless the day was saved before."""
    rows = []
    for application in register:
        mark = saved.get(application.id)
        rows.append(Row(application, mark.mark.value, mark.reason or "", mark.note or "") if mark
                    else Row(application))
    return rows


def read_register(formdata, register: list[Application]) -> tuple[list[Row], dict[int, Choice]]:
    """The marks sent for the participants on the register; rows with an error have `error` set.

    A participant the form did not include (enrolled after the page was opened) gets no choice at all,
    rather than a "present" the trainer never saw.
    """
    marks = {m.value: m for m in Mark}
    rows, choices = [], {}
    for application in register:
        key = str(application.id)
        sent = formdata.get("m" + key)
        reason = formdata.get("r" + key, "")
        note = formdata.get("n" + key, "").strip()[:NOTE_MAX]
        row = Row(application, sent if sent in marks else Mark.PRESENT.value, reason, note)
        rows.append(row)
        if sent not in marks:
            continue
        if marks[sent] == Mark.EXCUSED and reason not in ABSENCE_REASONS:
            row.error = CHOOSE_REASON
            continue
        choices[application.id] = Choice(marks[sent], reason or None, note or None)
    return rows, choices


def _options(labels: dict, codes: tuple) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(code, labels[code]) for code in codes]


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
