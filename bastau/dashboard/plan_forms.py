"""Forms of the yearly plan pages: the year picker and the XLSX upload.

The tables of numbers are read row by row in plan_services (one input per region or district), since
their rows come from the reference data, not from a fixed form.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, IntegerField, SelectField
from wtforms.validators import Optional

ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class YearPicker(Form):
    """A GET form: which programme year to show (bookmarkable, no CSRF needed)."""
    year = SelectField(_l("Programme year"), coerce=int, validate_choice=False)
    region = IntegerField(validators=[Optional()])

    def offer(self, years: list[int], chosen: int) -> YearPicker:
        self.year.choices = [(y, str(y)) for y in reversed(years)]
        self.year.data = chosen
        return self


class UploadForm(FlaskForm):
    file = FileField(_l("Filled-in template (.xlsx, up to 1 MB)"), render_kw={"accept": ACCEPT})
