""""Send my code again": the reference number, or the IIN and the date of birth."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from .. import rules
from ..forms import well_formed_iin
from ..models import Application

FILL_IN = _l("Fill in this field.")
BY_REFERENCE, BY_IIN = "reference", "iin"
_DAY_FIRST = re.compile(r"(\d{1,2})[.\s/-]+(\d{1,2})[.\s/-]+(\d{4})")


def typed_date(text: str | None) -> date | None:
    """A date as people type it: 17.05.1990, 17/05/1990, 17 05 1990, 17051990, or 1990-05-17 (a date picker)."""
    text = (text or "").strip()
    try:
        if found := _DAY_FIRST.fullmatch(text):
            day, month, year = (int(part) for part in found.groups())
        elif re.fullmatch(r"\d{8}", text):
            day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
        elif found := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            year, month, day = (int(part) for part in found.groups())
        else:
            return None
        return date(year, month, day)
    except ValueError:
        return None


class NewCodeForm(FlaskForm):
    way = HiddenField(default=BY_REFERENCE)
    reference = StringField(_l("Reference number"), description=_l("For example BB-2026-000123"),
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": 20})
    iin = StringField(_l("IIN"), description=_l("12 digits, as on your ID card"), filters=[rules.normalise_iin],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 15})
    birth_date = StringField(_l("Date of birth"), description=_l("Day, month, year: for example 17.05.1990"),
                             render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 10})

    @property
    def by_reference(self) -> bool:
        return self.way.data != BY_IIN

    def validate_reference(self, field):
        if not self.by_reference:
            return
        if not (field.data or "").strip():
            raise ValidationError(FILL_IN)
        if Application.parse_reference(field.data) is None:
            raise ValidationError(_l("Type the reference number as on the receipt, for example BB-2026-000123."))

    def validate_iin(self, field):
        if self.by_reference:
            return
        if not field.data:
            raise ValidationError(FILL_IN)
        well_formed_iin(self, field)

    def validate_birth_date(self, field):
        if self.by_reference:
            return
        if not (field.data or "").strip():
            raise ValidationError(FILL_IN)
        born = typed_date(field.data)
        if born is None:
            raise ValidationError(_l("Type the date as day, month and year, for example 17.05.1990."))
        try:
            facts = rules.parse_iin(self.iin.data or "")
        except rules.IINError:
            return  # the IIN's own message says what to fix
        if facts.birth_date != born:  # the IIN holds the date of birth: this tells nothing about any application
            raise ValidationError(_l("This date of birth does not match the IIN. Check both against your ID card."))

    def details(self) -> dict:
        """What to look the application up by (after validation)."""
        if self.by_reference:
            return {"reference": self.reference.data}
        return {"iin": self.iin.data, "birth_date": typed_date(self.birth_date.data)}
