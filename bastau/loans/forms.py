"""Forms of the financing pages: the referral, the lender's answer, the pay-out, the 6- and 12-month checks."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .. import rules
from ..forms import DATE_FORMATS, ENTER_A_DATE, FILL_IN, NO_CHOICE, TengeField, WholeNumberField
from . import services

MONEY = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20}
YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


def _amount(label):
    return TengeField(label, validators=[InputRequired(message=FILL_IN),
                                         NumberRange(min=1, message=_l("Enter an amount greater than zero."))],
                      render_kw=MONEY)


def _date(label, required=True):
    return DateField(label, format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                     validators=[InputRequired(message=FILL_IN)] if required else [Optional()])


def _chosen(message):
    def check(_form, field):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(message)
    return check


class ReferralForm(FlaskForm):
    institution = SelectField(_l("Lender"), validate_choice=False,
                              validators=[_chosen(_l("Choose a lender from the list."))])
    amount = _amount(_l("Amount requested, tenge"))
    term_months = WholeNumberField(
        _l("Term, months"), description=_l("From %(min)s to %(max)s months", min=rules.MIN_LOAN_TERM_MONTHS,
                                           max=rules.MAX_LOAN_TERM_MONTHS),
        validators=[InputRequired(message=FILL_IN),
                    NumberRange(min=rules.MIN_LOAN_TERM_MONTHS, max=rules.MAX_LOAN_TERM_MONTHS,
                                message=services.TERM)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 2})
    referred_on = _date(_l("Date of the referral"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="referral", **kwargs)
        self.institution.choices = [NO_CHOICE] + [SelectChoice(code, lender.name)
                                                  for code, lender in services.active_lenders().items()]


class ApproveForm(FlaskForm):
    amount = _amount(_l("Amount approved, tenge"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="approve", **kwargs)


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why the lender declined"), validators=[DataRequired(message=FILL_IN), Length(max=300)],
                           filters=[lambda s: " ".join((s or "").split())], render_kw={"rows": 2, "maxlength": 300})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="decline", **kwargs)


class IssueForm(FlaskForm):
    issued_on = _date(_l("Date paid out"))
    amount = _amount(_l("Amount paid out, tenge"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="issue", **kwargs)


class FollowUpForm(FlaskForm):
    business_opened = RadioField(_l("Business opened"), choices=YES_NO, validate_choice=False,
                                 validators=[_chosen(_l("Choose one."))])
    opened_on = _date(_l("Opening date"), required=False)
    registered_as_ie = RadioField(_l("Registered as an individual entrepreneur"), choices=YES_NO,
                                  validate_choice=False, validators=[_chosen(_l("Choose one."))])
    jobs_created = WholeNumberField(_l("Jobs created"), validators=[InputRequired(message=FILL_IN),
                                                                    NumberRange(min=0, max=999999)],
                                    render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4})

    def __init__(self, months: int, *args, **kwargs):
        super().__init__(*args, prefix=f"follow{months}", **kwargs)
        self.months = months
