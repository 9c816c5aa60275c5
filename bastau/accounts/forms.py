"""Forms of the accounts pages: own password, an administrator's account form, the account list's filters."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from .. import rules
from ..clock import today
from ..forms import FILL_IN, NO_CHOICE, OFFICE_LABELS
from ..i18n import alphabetical
from ..ids import as_id
from ..labels import ROLE_LABELS
from ..models import Channel, Role, User
from .services import (
    DISTRICT_ROLES,
    MIN_PASSWORD_LENGTH,
    AccountDetails,
    assignable_roles,
    districts_for,
    password_problem,
    regions_for,
)

CHOOSE = _l("Choose one.")
PASSWORD_PROBLEMS = {
    "short": _l("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
    "username": _l("The password must not be your username."),
    "same": _l("The new password must differ from the current one."),
}
DUPLICATE_MESSAGES = {
    "username": _l("This username is already taken. Choose another one."),
    "phone": _l("Another account already has this phone number."),
}
ACTION_LABELS = {
    "account_created": _l("Account created"),
    "account_changed": _l("Account changed"),
    "account_disabled": _l("Account disabled"),
    "account_enabled": _l("Account enabled"),
    "password_reset": _l("Temporary password issued"),
    "password_changed": _l("Password changed by its owner"),
}
USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,60}$")


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(message=FILL_IN)],
                                     render_kw={"autocomplete": "current-password", "maxlength": 200})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(message=FILL_IN), Length(max=200)],
        description=_l("At least %(count)s characters, not your username. A few words you remember are fine.",
                       count=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password", "maxlength": 200})
    repeat_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(message=FILL_IN),
                    EqualTo("new_password", message=_l("The two new passwords are not the same."))],
        render_kw={"autocomplete": "new-password", "maxlength": 200})

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field):
        if not self.user.check_password(field.data):
            raise ValidationError(_l("This is not your current password."))

    def validate_new_password(self, field):
        problem = password_problem(field.data, self.user)
        if problem:
            raise ValidationError(PASSWORD_PROBLEMS[problem])


class AccountForm(FlaskForm):
    """An account's settings, with the choices limited to what this administrator may give.

    The username is set once, when the account is created; the form of an existing account has none.
    """
    username = StringField(
        _l("Username"), filters=[_lower],
        validators=[DataRequired(message=FILL_IN),
                    Regexp(USERNAME_RE, message=_l("3 to 60 characters: Latin letters a–z, digits, dot, hyphen "
                                                   "or underscore."))],
        description=_l("For signing in, e.g. a.nurlanova. It cannot be changed later."),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "maxlength": 60})
    full_name = StringField(_l("Full name"), validators=[DataRequired(message=FILL_IN), Length(max=160)],
                            filters=[_strip], render_kw={"autocomplete": "off", "maxlength": 160})
    phone = StringField(_l("Mobile phone"), validators=[Optional()],
                        description=_l("Optional. The person can sign in with it instead of the username."),
                        render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "off", "maxlength": 20})
    role = SelectField(_l("Role"), validate_choice=False)
    district = SelectField(_l("District or town"), validate_choice=False,
                           description=_l("For every role except the administrators."))
    region = SelectField(_l("Region"), validate_choice=False, description=_l("Only for regional administrators."))
    office = SelectField(_l("Office"), validate_choice=False,
                         description=_l("Only for operators: where they enter applications."))

    def __init__(self, admin: User, *args, account: User | None = None, **kwargs):
        if account is not None and "data" not in kwargs:
            kwargs["data"] = _initial(account)
        super().__init__(*args, **kwargs)
        self.admin, self.account = admin, account
        if account is not None:
            del self.username
        self.roles = assignable_roles(admin)
        self.role.choices = [NO_CHOICE] + [SelectChoice(r.value, ROLE_LABELS[r]) for r in self.roles]
        # A district closed to new applications gets no new accounts; an account already there keeps it.
        self.districts = {d.id: d for d in districts_for(admin)
                          if d.open_on(today()) or (account is not None and d.id == account.district_id)}
        self.district.choices = _district_choices(admin, self.districts.values())
        self.regions = {r.id: r for r in regions_for(admin)}
        if self.regions:
            self.region.choices = [NO_CHOICE] + [SelectChoice(str(r.id), r.name) for r in self.regions.values()]
        else:  # regional administrators create no regional administrators
            del self.region
        self.office.choices = [NO_CHOICE] + [SelectChoice(c.value, label) for c, label in OFFICE_LABELS.items()]

    def validate_phone(self, field):
        if field.data and not rules.normalise_mobile(field.data):
            raise ValidationError(_l("Enter a Kazakhstan mobile number, for example +7 701 123 45 67."))

    def validate_role(self, field):
        if field.data not in {r.value for r in self.roles}:
            raise ValidationError(CHOOSE)
        if self.account is not None and self.account.id == self.admin.id and field.data != self.account.role.value:
            raise ValidationError(_l("You cannot change your own role."))

    def validate_district(self, field):
        if self.role.data in {r.value for r in DISTRICT_ROLES} and _int(field.data) not in self.districts:
            raise ValidationError(_l("Choose a district from the list."))

    def validate_region(self, field):
        if self.role.data == Role.REGIONAL_ADMIN.value and _int(field.data) not in self.regions:
            raise ValidationError(_l("Choose a region from the list."))

    def validate_office(self, field):
        if self.role.data == Role.OPERATOR.value and field.data not in {c.value for c in OFFICE_LABELS}:
            raise ValidationError(CHOOSE)

    def details(self) -> AccountDetails:
        """The validated settings, ready for the services."""
        return AccountDetails(
            full_name=self.full_name.data, phone=rules.normalise_mobile(self.phone.data or "") or None,
            role=Role(self.role.data), district_id=_int(self.district.data),
            region_id=_int(self.region.data) if self.region else None,
            office=Channel(self.office.data) if self.office.data else None)


class AccountFilter(Form):
    """The account list's search and filters, read from the query string (a GET form, no CSRF needed)."""
    q = StringField(_l("Name, username or phone"), validators=[Optional(), Length(max=60)], filters=[_strip])
    role = SelectField(_l("Role"), validate_choice=False)
    district = SelectField(_l("District or town"), validate_choice=False)

    def __init__(self, admin: User, formdata, districts: list):
        super().__init__(formdata)
        every = SelectChoice("", _l("All"))
        visible = DISTRICT_ROLES if admin.role == Role.REGIONAL_ADMIN else tuple(Role)
        self.role.choices = [every] + [SelectChoice(r.value, ROLE_LABELS[r]) for r in visible]
        self.district.choices = [every] + [SelectChoice(str(d.id), d.name) for d in districts]


def _int(value) -> int | None:
    return as_id(value)


def _initial(account: User) -> dict:
    return {
        "full_name": account.full_name, "phone": rules.format_mobile(account.phone) if account.phone else "",
        "role": account.role.value, "district": str(account.district_id or ""), "region": str(account.region_id or ""),
        "office": account.office.value if account.office else "",
    }


def _district_choices(admin: User, districts) -> list[SelectChoice]:
    """One list for a region; grouped by region (optgroups) for a national administrator."""
    if admin.role != Role.NATIONAL_ADMIN:
        return [NO_CHOICE] + [SelectChoice(str(d.id), d.name) for d in districts]
    by_region = sorted(districts, key=lambda d: alphabetical(d.region.name))  # stable: districts stay in order
    return [NO_CHOICE] + [SelectChoice(str(d.id), d.name, optgroup=d.region.name) for d in by_region]
