"""Forms of the entrepreneurial-potential test: the bank, the pass mark, the code, a paper score."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .. import rules
from ..forms import FILL_IN, WholeNumberField, well_formed_iin
from .services import OptionText

OPTION_ROWS = rules.MAX_TEST_OPTIONS
NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FixedRows(FieldList):
    """Exactly `max_entries` rows, row n always read from its own names (options-n-…).

    WTForms' FieldList renumbers the rows it receives (0 and 2 become 0 and 1) and then pads with
    rows that read the posted data again; with fixed rows, a gap must stay a gap.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.entries = []
        values = list(data) if data is not unset_value and data else []
        self.object_data = values
        for index in range(self.max_entries):
            # A sent form is the whole truth: a row it leaves out is empty, not the stored answer.
            stored = values[index] if index < len(values) and not formdata else unset_value
            self._add_entry(formdata, stored, index=index)


class OptionRow(Form):
    """One of the fixed answer rows; a row left empty is ignored."""
    text_kk = StringField(_l("Answer in Kazakh"), filters=[_strip], render_kw={"maxlength": 500})
    text_ru = StringField(_l("Answer in Russian"), filters=[_strip], render_kw={"maxlength": 500})
    points = StringField(_l("Points"), filters=[_strip], render_kw={**NUMERIC, "maxlength": 2})


class QuestionForm(FlaskForm):
    text_kk = TextAreaField(_l("Question in Kazakh"), filters=[_strip],
                            validators=[DataRequired(message=FILL_IN), Length(max=1000)])
    text_ru = TextAreaField(_l("Question in Russian"), filters=[_strip],
                            validators=[DataRequired(message=FILL_IN), Length(max=1000)])
    position = WholeNumberField(_l("Place in the test"), description=_l("Questions are shown from the smallest "
                                                                         "number up. Empty: at the end."),
                                validators=[Optional(), NumberRange(min=0, max=9999)], render_kw=NUMERIC)
    options = FixedRows(FormField(OptionRow), label=_l("Answers"), min_entries=OPTION_ROWS, max_entries=OPTION_ROWS)

    rows: list[OptionText | None]

    def validate_options(self, field):
        """Rows filled in both languages with 0..10 points; at least two, and one that gives points."""
        rows: list[OptionText | None] = []
        for number, entry in enumerate(field.entries, start=1):
            kk, ru, points = entry.text_kk.data or "", entry.text_ru.data or "", entry.points.data or ""
            if not (kk or ru or points):
                rows.append(None)
                continue
            if not kk or not ru:
                raise ValidationError(_l("Answer %(number)s: write it in both languages.", number=number))
            if len(kk) > 500 or len(ru) > 500:
                raise ValidationError(_l("Answer %(number)s is too long.", number=number))
            if points and not (points.isascii() and points.isdigit() and int(points) <= rules.MAX_OPTION_POINTS):
                raise ValidationError(_l("Answer %(number)s: points are a whole number from 0 to %(max)s.",
                                         number=number, max=rules.MAX_OPTION_POINTS))
            rows.append(OptionText(kk, ru, int(points or 0)))
        if not rules.question_is_complete(row.points for row in rows if row):
            raise ValidationError(_l("Write at least two answers, and give points to at least one of them."))
        self.rows = rows


class PassMarkForm(FlaskForm):
    pass_mark = WholeNumberField(_l("Pass mark"), validators=[InputRequired(message=FILL_IN)], render_kw=NUMERIC)

    def __init__(self, *args, maximum: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.maximum = maximum
        self.pass_mark.description = _l("Points from 0 to %(max)s.", max=maximum)

    def validate_pass_mark(self, field):
        if field.data is not None and not rules.pass_mark_is_valid(field.data, self.maximum):
            raise ValidationError(_l("The pass mark must be from 0 to %(max)s.", max=self.maximum))


class _ScoreOutOf(FlaskForm):
    """A paper test score, from 0 to the questionnaire's maximum (passed as `maximum`)."""

    def __init__(self, *args, maximum: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.maximum = maximum
        self.score.description = _l("Points from 0 to %(max)s.", max=maximum)

    def validate_score(self, field):
        if field.data is not None and not 0 <= field.data <= self.maximum:
            raise ValidationError(_l("The score must be a whole number from 0 to %(max)s.", max=self.maximum))


class PaperScoreForm(_ScoreOutOf):
    score = WholeNumberField(_l("Score of the paper test"), validators=[InputRequired(message=FILL_IN)],
                             render_kw={**NUMERIC, "maxlength": 4})


class CodeForm(FlaskForm):
    """At the terminal: the code that the chamber staff member gives, and the applicant's own IIN."""
    code = StringField(_l("Test code"), description=_l("6 digits, given to you by the chamber staff"),
                       validators=[DataRequired(message=FILL_IN)], filters=[rules.normalise_test_code],
                       render_kw={**NUMERIC, "maxlength": 9})
    iin = StringField(_l("IIN"), validators=[DataRequired(message=FILL_IN), well_formed_iin],
                      filters=[rules.normalise_iin],
                      render_kw={**NUMERIC, "maxlength": 15})


class ScoreCorrectionForm(_ScoreOutOf):
    """Chamber staff correct a mistyped paper score: the right score and why."""
    score = WholeNumberField(_l("Correct score"), validators=[InputRequired(message=FILL_IN)],
                             render_kw={**NUMERIC, "maxlength": 4})
    reason = TextAreaField(_l("Why is it corrected?"),
                           description=_l("For example: typed 12 instead of 21; the paper sheet is in the file."),
                           filters=[_strip], validators=[DataRequired(message=FILL_IN), Length(max=300)],
                           render_kw={"maxlength": 300, "rows": 2})

    def __init__(self, *args, maximum: int, **kwargs):
        kwargs.setdefault("prefix", "correction")  # beside the paper score form on the same page
        kwargs.setdefault("meta", {"csrf": False})  # CSRFProtect checks the page's token (a prefix would rename it)
        super().__init__(*args, maximum=maximum, **kwargs)
