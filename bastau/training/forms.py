"""Forms of the cohort pages: a new cohort, its details, one day of its schedule, the public district choice."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Form, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from .. import rules
from ..calendar import module_title
from ..forms import (
    DATE_FORMATS,
    ENTER_A_DATE,
    FILL_IN,
    NO_CHOICE,
    WholeNumberField,
    district_choices,
    regions_by_name,
)

MAX_CAPACITY = 60
LANGUAGE_LABELS = {"kk": _l("Kazakh"), "ru": _l("Russian")}


def _one_of(message):
    """Our own words when nothing (or something not offered) is chosen."""
    def check(_form, field):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(message)
    return check


def _numbers(values) -> list[SelectChoice]:
    return [SelectChoice(str(n), str(n)) for n in values]


# The fields in the order the new-cohort page shows them (WTForms orders fields by creation): the error
# summary then lists mistakes top to bottom.
_programme_year = SelectField(_l("Programme year"), validate_choice=False,
                              validators=[_one_of(_l("Choose the programme year."))])
_number = SelectField(_l("Cohort number"), validate_choice=False,
                      choices=_numbers(range(1, rules.COHORTS_PER_YEAR + 1)),
                      validators=[_one_of(_l("Choose a number from 1 to 6."))])
_language = RadioField(_l("Training language"), validate_choice=False,
                       choices=[SelectChoice(code, label) for code, label in LANGUAGE_LABELS.items()],
                       validators=[_one_of(_l("Choose one."))])
_venue = StringField(_l("Venue"), description=_l("The address and room, as participants will look for it"),
                     validators=[DataRequired(message=FILL_IN), Length(max=200)],
                     filters=[lambda s: " ".join((s or "").split())], render_kw={"maxlength": 200})
_start = DateField(_l("First day of training"), format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                   description=_l("If it is a Sunday or a public holiday, training starts on the next working day."))
_training_days = SelectField(_l("Training days"), validate_choice=False,
                             choices=_numbers(range(rules.MIN_TRAINING_DAYS, rules.MAX_TRAINING_DAYS + 1)),
                             validators=[_one_of(_l("Choose from 25 to 30 days."))])
_capacity = WholeNumberField(_l("Places"), description=_l("From 1 to %(max)s people", max=MAX_CAPACITY),
                             validators=[InputRequired(message=FILL_IN),
                                         NumberRange(min=1, max=MAX_CAPACITY,
                                                     message=_l("From 1 to %(max)s people", max=MAX_CAPACITY))],
                             render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 2})
_trainer = SelectField(_l("Business trainer"), validate_choice=False,
                       validators=[_one_of(_l("Choose a business trainer of your district from the list."))])


def _trainer_choices(form, trainers) -> None:
    form.trainer.choices = [NO_CHOICE] + [SelectChoice(str(t.id), t.full_name) for t in trainers]


class CohortDetailsForm(FlaskForm):
    """What can change after a cohort is formed."""
    venue, trainer, capacity = _venue, _trainer, _capacity

    def __init__(self, *args, trainers=(), **kwargs):
        super().__init__(*args, **kwargs)
        _trainer_choices(self, trainers)


class CohortForm(FlaskForm):
    """A new cohort: its year and number, language, first day and length; the schedule follows from them."""
    programme_year, number, language, venue = _programme_year, _number, _language, _venue
    start, training_days, capacity, trainer = _start, _training_days, _capacity, _trainer

    def __init__(self, *args, trainers=(), years=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.programme_year.choices = _numbers(years)
        _trainer_choices(self, trainers)

    def validate_start(self, field):
        if field.data is None:
            if not field.errors:  # left empty (a mistyped date is already explained)
                raise ValidationError(ENTER_A_DATE)
            return
        if self.today and field.data < self.today:
            raise ValidationError(_l("The first day cannot be in the past."))
        years = {choice.value for choice in self.programme_year.choices}
        if self.programme_year.data in years and field.data.year != int(self.programme_year.data):
            raise ValidationError(_l("The first day must be in the programme year."))


class DayForm(FlaskForm):
    """One day of a cohort's schedule: its date and the module taught."""
    date = DateField(_l("Date"), format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                     validators=[InputRequired(message=ENTER_A_DATE)])
    module = SelectField(_l("Module"), validate_choice=False,
                         validators=[_one_of(_l("Choose a module from the list."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.module.choices = [SelectChoice(str(n), f"{n}. {module_title(n)}") for n in range(1, rules.MODULES + 1)]


class PlaceFilter(Form):
    """The public page's region and district, read from the query string (a GET form, no CSRF needed)."""
    region = SelectField(_l("Region"), validate_choice=False)
    district = SelectField(_l("District or town"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [NO_CHOICE] + [SelectChoice(str(r.id), r.name) for r in regions_by_name()]
        self.district.choices = district_choices(self.region.data)

    @property
    def district_id(self) -> int | None:
        """The chosen district, when it belongs to the chosen region."""
        offered = {choice.value for choice in self.district.choices if choice.value}
        return int(self.district.data) if self.district.data in offered else None
