"""Form pieces shared by the journeys: fields, choices, label tables and messages, in the page's language.

Every piece of text a request brings is clean before anything reads it (`CleanTextRequest`, the app's request
class): the form fields, the query string, JSON bodies and uploaded file names go through
`bastau.collation.clean_text` (NFC; right-to-left overrides, zero-width characters, BOMs, soft hyphens and other
invisible format or control characters taken out). So every WTForms field and every route that reads
`request.form`, `request.args` or `request.get_json()` by hand gets the same clean text, and none can forget.

The characters are removed, not refused: people paste them without seeing them (a soft hyphen or a BOM from a
word processor, a zero-width space from a messenger), so a refusal would point at something nobody can find,
while what they meant to type is exactly what is left.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from wtforms import IntegerField, SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from . import rules
from .clock import today
from .collation import clean_text
from .extensions import db
from .i18n import alphabetical
from .ids import as_id
from .models import Channel, District, Education, Region, SocialStatus

FILL_IN = _l("Fill in this field.")
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the date picker's, and what people type where there is none
ENTER_A_DATE = _l("Enter a date, for example 16.03.2026.")
NO_CHOICE = SelectChoice("", "—")
SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")  # how people group the digits of an amount

IIN_MESSAGES = {
    "format": _l("The IIN has exactly 12 digits. Check the number on your ID card."),
    # The 7th digit gives the century of birth and the sex (1-6); citizenship is not asked, so not claimed.
    "century": _l("The 7th digit of the IIN must be from 1 to 6. Check the IIN on your ID card."),
    "date": _l("The first six digits of the IIN must be a real date of birth (YYMMDD)."),
    "checksum": _l("This IIN is not correct: a digit is probably mistyped. Check it against your ID card."),
}

SOCIAL_STATUS_LABELS = {
    SocialStatus.UNEMPLOYED: _l("Unemployed"),
    SocialStatus.SELF_EMPLOYED: _l("Self-employed"),
}
EDUCATION_LABELS = {
    Education.BASIC: _l("Basic secondary (9 grades)"),
    Education.SECONDARY: _l("General secondary (11 grades)"),
    Education.VOCATIONAL: _l("Vocational (college)"),
    Education.HIGHER: _l("Higher"),
}
CHANNEL_LABELS = {
    Channel.AKIMAT: _l("Rural akimat"),
    Channel.EMPLOYMENT_CENTRE: _l("Employment centre"),
    Channel.CHAMBER_BRANCH: _l("Chamber of entrepreneurs branch"),
    Channel.OWN_DEVICE: _l("On my own phone or computer"),
}
OFFICE_LABELS = {channel: label for channel, label in CHANNEL_LABELS.items() if channel != Channel.OWN_DEVICE}


def well_formed_iin(_form, field) -> None:
    """For forms that look a person up by IIN: say what is wrong with a mistyped one (it reveals nothing)."""
    try:
        rules.parse_iin(field.data or "")
    except rules.IINError as error:
        raise ValidationError(IIN_MESSAGES[error.code]) from None


class WholeNumberField(IntegerField):
    """A whole number typed in a plain text box (no spinner), refused in the page's language."""
    widget = TextInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        if not (text.isascii() and text.isdigit()) or len(text) > 6:
            self.data = None
            raise ValueError(_l("Enter a whole number."))
        self.data = int(text)


class TengeField(IntegerField):
    """Whole tenge typed as people write them: 1500000, 1 500 000 (spaces of any kind are ignored)."""
    widget = TextInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").translate(SPACES)
        if text.endswith("₸"):
            text = text[:-1]
        if not text:
            self.data = None
            return
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            self.data = None
            raise ValueError(_l("Enter the amount in whole tenge, for example 1 500 000."))
        self.data = int(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:,}".replace(",", " ")


def is_id(value) -> bool:
    """A posted value that can be a row id (digits only, within the id columns' range)."""
    return isinstance(value, str) and as_id(value) is not None


def regions_by_name() -> list[Region]:
    regions = db.session.scalars(sa.select(Region)).all()
    return sorted(regions, key=lambda r: alphabetical(r.name))


def district_choices(region_id, citizen: bool = False) -> list[SelectChoice]:
    """The districts of a region that take applications today (a closed one is no longer offered)."""
    if not is_id(region_id):
        return [NO_CHOICE]
    districts = [d for d in db.session.scalars(sa.select(District).where(District.region_id == int(region_id)))
                 if d.open_on(today())]
    names = {d.id: d.citizen_name if citizen else d.name for d in districts}
    districts = sorted(districts, key=lambda d: alphabetical(d.name))  # «город Семей» sorts under С, as «Семей Г.А.»
    return [NO_CHOICE] + [SelectChoice(str(d.id), names[d.id]) for d in districts]


# ---- Clean text at the request's door ----

def _clean_value(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, FileStorage) and value.filename:
        value.filename = clean_text(value.filename)
    return value


def _clean_pairs(mapping):
    if mapping is None:
        return
    if hasattr(mapping, "items"):
        pairs = mapping.items(multi=True) if hasattr(mapping, "getlist") else mapping.items()
    else:
        pairs = mapping
    for key, value in pairs:
        for one in (value if isinstance(value, list) else [value]):
            yield _clean_value(key), _clean_value(one)


class CleanInput(ImmutableMultiDict):
    """A request's form fields, query string or files, each text value (and file name) through clean_text."""

    def __init__(self, mapping=None):
        super().__init__(list(_clean_pairs(mapping)))


def clean_json(value):
    """A JSON body with clean_text applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    return value


class CleanTextRequest(Request):
    """The app's request: `form`, `args`, `values`, `files` and `get_json()` give clean text (see the module)."""
    parameter_storage_class = CleanInput

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        return clean_json(super().get_json(force=force, silent=silent, cache=cache))
