"""Forms of the reference screens: MCI rates, calendar days, lenders, and a district's closing or new name."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .. import rules
from ..loans.forms import DATE_FORMATS, ENTER_A_DATE, TengeField
from ..models import DayKind
from ..potential.forms import WholeNumberField

FILL_IN = _l("Fill in this field.")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

DAY_KIND_LABELS = {
    DayKind.HOLIDAY: _l("Public holiday"),
    DayKind.DAY_OFF: _l("Day off (transferred or observed)"),
    DayKind.WORKING_DAY: _l("Working day (a weekend day worked instead)"),
}


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _date(label, description=None):
    return DateField(label, format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE, description=description,
                     validators=[InputRequired(message=FILL_IN)])


def _name(label, length: int):
    return StringField(label, validators=[DataRequired(message=FILL_IN), Length(max=length)], filters=[_strip],
                       render_kw={"autocomplete": "off", "maxlength": length})


class MciForm(FlaskForm):
    valid_from = _date(_l("In force from"), description=_l("The first rate of a year takes effect on 1 January."))
    amount = TengeField(_l("MCI, tenge"), validators=[InputRequired(message=FILL_IN)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 10})
    law = StringField(_l("The law that set it"), description=_l("For example: Law on the republican budget for "
                                                                "2027-2029"),
                      validators=[DataRequired(message=FILL_IN), Length(max=300)], filters=[_strip],
                      render_kw={"autocomplete": "off", "maxlength": 300})

    def validate_amount(self, field):
        if field.data is not None and not rules.mci_amount_is_valid(field.data):
            raise ValidationError(_l("The MCI is a whole number of tenge from 1 to %(max)s.",
                                     max=rules.MAX_MCI_TENGE))


class CalendarDayForm(FlaskForm):
    day = _date(_l("Date"))
    kind = RadioField(_l("What kind of day"), validate_choice=False,
                      choices=[SelectChoice(kind.value, label) for kind, label in DAY_KIND_LABELS.items()])
    name_kk = _name(_l("Name in Kazakh"), 120)
    name_ru = _name(_l("Name in Russian"), 120)

    def validate_kind(self, field):
        if field.data not in {kind.value for kind in DayKind}:
            raise ValidationError(_l("Choose one."))


class ConfirmForm(FlaskForm):
    """A button that changes something: the hidden field proves the page's form was sent, not an empty post."""
    confirm = HiddenField(validators=[DataRequired()])


class FillYearForm(FlaskForm):
    year = HiddenField(validators=[DataRequired()])


class LenderForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("Latin letters a–z, digits and _, for example halyk_bank. "
                                                  "It is stored with each referral and cannot be changed later."),
                       validators=[DataRequired(message=FILL_IN)], filters=[lambda s: (s or "").strip().lower()],
                       render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false",
                                  "maxlength": 40})
    name_kk = _name(_l("Name in Kazakh"), 200)
    name_ru = _name(_l("Name in Russian"), 200)
    position = WholeNumberField(_l("Place in the list"), description=_l("Lenders are offered from the smallest "
                                                                        "number up. Empty: at the end."),
                                validators=[Optional(), NumberRange(min=0, max=9999)],
                                render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4})

    def __init__(self, *args, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not new:
            del self.code

    def validate_code(self, field):
        if not CODE_RE.match(field.data or ""):
            raise ValidationError(_l("2 to 40 characters: Latin letters a–z, digits or _, starting with a letter."))


class CloseDistrictForm(FlaskForm):
    closed_from = _date(_l("Closed to new applications from"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="close", **kwargs)


class RenameDistrictForm(FlaskForm):
    name_kk = _name(_l("New name in Kazakh"), 120)
    name_ru = _name(_l("New name in Russian"), 120)
    renamed_on = _date(_l("The new name is used from"),
                       description=_l("Applications made before this day keep the old name."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="rename", **kwargs)
