"""The forms and page parts of the citizen's own consent at the desk, shared by the receipt (apply), the
application page and the consent desk."""
from __future__ import annotations

from flask_babel import force_locale, format_time, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from ..consent import consent_text, paragraphs
from ..models import Application, Role

# The staff who meet the citizen and may record their consent (as for a withdrawal the person asks for).
AT_THE_DESK = (Role.OPERATOR, Role.CENTRE_OFFICER, Role.CHAMBER_STAFF)


class PaperForm(FlaskForm):
    signed = BooleanField(_l("The citizen has signed the printed consent in front of me. The signed sheet is kept "
                             "with the application's papers."),
                          validators=[DataRequired(message=_l("Tick this only once the citizen has signed."))])


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), description=_l("6 digits; the citizen reads it from their phone"),
                       validators=[DataRequired(message=_l("Enter the code the citizen received."))],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 9})


def assisted_consent(application: Application, **forms) -> dict:
    """What a page needs to show an application's pending consent: the sheet to sign, and the two ways to record it
    (nothing once it is given, or for staff who do not meet the citizen)."""
    if not application.consent_pending or current_user.is_anonymous or current_user.role not in AT_THE_DESK:
        return {}
    sent_at = application.consent_code_sent_at
    return {"consent_sheet": consent_sheet(application),
            "paper_form": forms.get("paper_form") or PaperForm(formdata=None),
            "code_form": forms.get("code_form") or CodeForm(formdata=None),
            "code_sent_at": format_time(sent_at, "HH:mm") if sent_at else None}


def consent_sheet(application: Application) -> dict:
    """The consent text the citizen signs, in the language they applied in, with the lines for their signature in
    that language too (the page around it may be in the other one)."""
    language = application.consent_language
    with force_locale(language):
        labels = {"reference": gettext("Reference number"), "name": gettext("Full name"), "iin": gettext("IIN"),
                  "signature": gettext("Signature"), "date": gettext("Date"),
                  "agree": gettext("I have read this consent and agree to it.")}
    return {"language": language, "version": application.consent_version, "labels": labels,
            "paragraphs": paragraphs(consent_text(language, application.consent_version, application.district))}
