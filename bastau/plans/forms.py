"""The upload form: the file and a short structured summary of the plan."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..models import BusinessPlan, Sector
from .services import Summary

SECTOR_LABELS = {
    Sector.AGRICULTURE: _l("Agriculture"),
    Sector.SERVICES: _l("Services"),
    Sector.TRADE: _l("Trade"),
    Sector.PRODUCTION: _l("Production"),
    Sector.OTHER: _l("Other"),
}
ACCEPT = ".pdf,.docx,.odt,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
MAX_AMOUNT = 2_000_000_000  # fits the column everywhere; far above any loan of the programme
MAX_JOBS = 10_000
SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’,]")  # «1 500 000», «1 500 000», «1,500,000»


def whole_number(text: str | None) -> int | None:
    """'1 500 000' -> 1500000; None unless it is a whole number of 0 or more."""
    digits = SPACES.sub("", text or "")
    return int(digits) if digits.isascii() and digits.isdigit() else None


def _whole(limit: int, message):
    def check(_form, field):
        value = whole_number(field.data)
        if value is None or value > limit:
            raise ValidationError(message)
    return check


class PlanForm(FlaskForm):
    # Browsers never keep a chosen file after a refused form: the page says to choose it again. Several files
    # are photos of the pages, joined into one PDF in the order chosen.
    plan = MultipleFileField(_l("Business plan file"),
                             description=_l("One file: PDF, DOCX, ODT, JPEG or PNG, up to 10 MB. Or photos of the "
                                            "pages (JPEG or PNG, up to 30, together up to 20 MB): they are joined "
                                            "into one PDF in the order you choose them."),
                             render_kw={"accept": ACCEPT, "multiple": True})
    sector = RadioField(_l("Business sector"), choices=[SelectChoice(s.value, SECTOR_LABELS[s]) for s in Sector],
                        validators=[InputRequired(message=_l("Choose the business sector."))])
    village = StringField(_l("Village or town of the business"), filters=[lambda v: v.strip() if v else v],
                          validators=[DataRequired(message=_l("Fill in this field.")), Length(max=120)],
                          render_kw={"maxlength": 120, "autocomplete": "off"})
    amount_needed = StringField(
        _l("Financing needed, tenge"), description=_l("A whole number, for example 1 500 000"),
        validators=[DataRequired(message=_l("Fill in this field.")),
                    _whole(MAX_AMOUNT, _l("Enter the amount in whole tenge, for example 1 500 000."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
    jobs_planned = StringField(
        _l("Jobs to be created"), description=_l("A whole number; 0 if you will work alone"),
        validators=[InputRequired(message=_l("Fill in this field.")),
                    _whole(MAX_JOBS, _l("Enter a whole number, 0 or more."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 6})

    def fill_from(self, plan: BusinessPlan | None) -> None:
        """Start a new version from the last one's summary."""
        if plan is not None:
            self.sector.data = plan.sector.value
            self.village.data = plan.village
            self.amount_needed.data = f"{plan.amount_needed:,}".replace(",", " ")
            self.jobs_planned.data = str(plan.jobs_planned)

    def summary(self) -> Summary:
        return Summary(sector=Sector(self.sector.data), village=self.village.data,
                       amount_needed=whole_number(self.amount_needed.data),
                       jobs_planned=whole_number(self.jobs_planned.data))
