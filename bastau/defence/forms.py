"""Forms of the defence pages: a new session, one member's scores for one plan, the public number look-up."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import DATE_FORMATS, ENTER_A_DATE, FILL_IN, WholeNumberField


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes rather than a multi-select box (easy on a phone, no Ctrl-click)."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date of the defence"), format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                        validators=[InputRequired(message=ENTER_A_DATE)])
    place = StringField(_l("Place"), description=_l("The address and room"),
                        validators=[DataRequired(message=FILL_IN), Length(max=200)],
                        filters=[lambda s: " ".join((s or "").split())], render_kw={"maxlength": 200})
    members = MultiCheckboxField(_l("Commission members"), coerce=int, validate_choice=False,
                                 description=_l("At least two commission members of the district"))

    def __init__(self, *args, commission=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members.choices = [(u.id, u.full_name) for u in commission]


def score_form(criteria, data=None) -> FlaskForm:
    """A form with one whole-number box per rubric criterion, 0 to its maximum (fields named c<id>)."""
    class ScoreForm(FlaskForm):
        pass

    for criterion in criteria:
        message = _l("From 0 to %(max)s points.", max=criterion.max_points)
        setattr(ScoreForm, f"c{criterion.id}", WholeNumberField(
            criterion.text, description=_l("0 to %(max)s points", max=criterion.max_points),
            validators=[InputRequired(message=message), NumberRange(min=0, max=criterion.max_points, message=message)],
            render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 2, "pattern": "[0-9]*"}))
    return ScoreForm(data=data or {})


class VerifyForm(FlaskForm):
    number = StringField(_l("Certificate number"), description=_l("For example BB26-7KQ3MZ9TXA"),
                         validators=[DataRequired(message=FILL_IN), Length(max=40)],
                         render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": 40})


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why is the session reopened?"),
                           description=_l("For example: a member's scores were entered for the wrong participant. "
                                          "The reason is kept in each participant's history."),
                           validators=[DataRequired(message=FILL_IN), Length(min=10, max=500,
                                       message=_l("From 10 to 500 characters."))],
                           filters=[lambda s: " ".join((s or "").split())], render_kw={"maxlength": 500, "rows": 4})
