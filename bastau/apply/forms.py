"""The application form. Each check answers in the page's language, next to its field."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import rules
from ..clock import today
from ..extensions import db
from ..forms import (
    CHANNEL_LABELS,
    EDUCATION_LABELS,
    IIN_MESSAGES,
    NO_CHOICE,
    SOCIAL_STATUS_LABELS,
    district_choices,
    is_id,
    regions_by_name,
)
from ..models import District, Region

NO_CONSENT = _l("Without your consent we cannot accept the application.")
NAME_MESSAGE = _l("Use Kazakh or Russian letters; a hyphen or an apostrophe may join parts.")

SEX_LABELS = {"male": _l("male"), "female": _l("female")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(member.value, label) for member, label in labels.items()]


def _name_field(label, required=True):
    first = DataRequired(message=_l("Fill in this field.")) if required else Optional()
    return StringField(label, validators=[first, Length(max=60)], filters=[rules.normalise_name],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class ApplicationForm(FlaskForm):
    iin = StringField(_l("IIN"), description=_l("12 digits, as on your ID card"),
                      validators=[DataRequired(message=_l("Enter your IIN."))],
                      filters=[rules.normalise_iin],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 15})
    surname = _name_field(_l("Surname"))
    first_name = _name_field(_l("Name"))
    patronymic = _name_field(_l("Patronymic (if you have one)"), required=False)
    phone = StringField(_l("Mobile phone"), description=_l("For example +7 701 123 45 67"),
                        validators=[DataRequired(message=_l("Enter your mobile phone number."))],
                        render_kw={"inputmode": "tel", "autocomplete": "off", "type": "tel", "maxlength": 20})
    region = SelectField(_l("Region"), validate_choice=False)
    district = SelectField(_l("District or town"), validate_choice=False)
    social_status = RadioField(_l("Your situation"), choices=_choices(SOCIAL_STATUS_LABELS), validate_choice=False)
    education = SelectField(_l("Education"), choices=[NO_CHOICE] + _choices(EDUCATION_LABELS), validate_choice=False)
    business_idea = TextAreaField(_l("Your business idea in a sentence (you may leave it empty)"),
                                  validators=[Optional(), Length(max=300)], filters=[lambda s: (s or "").strip()],
                                  render_kw={"rows": 2, "maxlength": 300})
    channel = RadioField(_l("Where are you applying?"), choices=_choices(CHANNEL_LABELS), validate_choice=False)
    sms = RadioField(_l("Send me SMS about my application"),
                     description=_l("To the mobile phone above, in the language of this page. You can stop them at "
                                    "any time on the status page."),
                     choices=[SelectChoice("yes", _l("Yes, send me SMS")), SelectChoice("no", _l("No SMS"))],
                     default="yes", validate_choice=False)
    consent = BooleanField(_l("I agree to the processing of my personal data as written above."),
                           validators=[DataRequired(message=NO_CONSENT)])

    def __init__(self, *args, fixed_district: District | None = None, assisted: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_district = fixed_district
        self.iin_facts: rules.IINFacts | None = None
        self.duplicate_year: int | None = None
        if assisted:  # an operator types: the citizen consents themself once it is sent (bastau/consents)
            del self.consent
        else:
            self.consent.summary_label = _l("Consent")
        if fixed_district:
            self.region.data, self.district.data = str(fixed_district.region_id), str(fixed_district.id)
        # The lists of places are read when the form is drawn (offer_places), not to check or send it: the
        # validators look the chosen ids up themselves, and a submission spares two queries and their sorting.
        self.region.choices = self.district.choices = [NO_CHOICE]

    def offer_places(self) -> ApplicationForm:
        """Fill the region and district lists, in the page's language and alphabetical order, to draw the form."""
        self.region.choices = [NO_CHOICE] + [SelectChoice(str(r.id), r.citizen_name) for r in regions_by_name()]
        self.district.choices = district_choices(self.region.data, citizen=True)
        return self

    def validate_iin(self, field):
        try:
            self.iin_facts = rules.parse_iin(field.data)
        except rules.IINError as error:
            raise ValidationError(IIN_MESSAGES[error.code]) from None
        # Nothing here asks the database whether this IIN already applied: that answer is personal data, given
        # only once the whole form is valid, when the application is sent (bastau/apply/duplicates.py).
        if not rules.is_adult(self.iin_facts.birth_date, today()):
            raise ValidationError(_l("Applicants must be 18 or older on the day of application."))

    def mark_duplicate(self, year: int):
        """One active application per IIN per year: say so kindly and point to the status page (only ever
        called when the application is sent, never while the form is being filled in)."""
        self.duplicate_year = year
        self.iin.errors = [_l("An application with this IIN was already made for %(year)s. "
                              "You can follow it on the status page.", year=year)]

    def validate_surname(self, field):
        if not rules.name_is_valid(field.data):
            raise ValidationError(NAME_MESSAGE)

    validate_first_name = validate_surname

    def validate_patronymic(self, field):
        if field.data and not rules.name_is_valid(field.data):
            raise ValidationError(NAME_MESSAGE)

    def validate_phone(self, field):
        normalised = rules.normalise_mobile(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a Kazakhstan mobile number, for example +7 701 123 45 67."))
        field.data = rules.format_mobile(normalised)

    def validate_social_status(self, field):
        _require_choice(field, _l("Choose one."))

    def validate_education(self, field):
        _require_choice(field, _l("Choose your education."))

    def validate_channel(self, field):
        _require_choice(field, _l("Choose one."))

    def validate_sms(self, field):
        _require_choice(field, _l("Choose one."))

    @property
    def sms_opt_in(self) -> bool:
        return self.sms.data != "no"

    def validate_region(self, field):
        if not is_id(field.data) or db.session.get(Region, int(field.data)) is None:
            raise ValidationError(_l("Choose your region."))

    def validate_district(self, field):
        district = db.session.get(District, int(field.data)) if is_id(field.data) else None
        if district is None or str(district.region_id) != str(self.region.data):
            raise ValidationError(_l("Choose your district from the list."))
        if self.fixed_district and district.id != self.fixed_district.id:
            raise ValidationError(_l("Choose your district from the list."))
        if not district.open_on(today()):
            raise ValidationError(_l("%(district)s no longer takes applications (closed from %(date)s). Choose the "
                                     "district you live in now.", district=district.name,
                                     date=format_date(district.closed_from, "long")))

    def chosen_label(self, name: str) -> str:
        """The words of the chosen option, for the check-your-answers page."""
        field = self[name]
        return next((choice.label for choice in field.choices if choice.value == field.data), "")

    def district_object(self) -> District:
        return db.session.get(District, int(self.district.data))


def _require_choice(field, message) -> None:
    """Our own words for "nothing chosen" and for a value that is not among the choices."""
    if field.data not in {choice.value for choice in field.choices if choice.value}:
        raise ValidationError(message)


def describe_birth(facts: rules.IINFacts) -> dict:
    """What the IIN says about its owner, in the page's language."""
    return {"birth_date": format_date(facts.birth_date, "long"), "sex": SEX_LABELS[facts.sex],
            "age": rules.age_on(facts.birth_date, today())}
