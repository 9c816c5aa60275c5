"""Forms of the trainer's pages.

The register of a day is one plain form with three short fields per participant (m<id>, r<id>, n<id>):
thirty participants must fit a slow phone connection, so it is written by hand in the template and read
here, not built from thirty WTForms subforms.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ..models import Application, Attendance, Mark
from .services import ABSENCE_REASONS, Choice

NOTE_MAX = 200
CHOOSE_REASON = _l("Choose the reason for the absence.")


class DayForm(FlaskForm):
    """The parts of the register that are not per participant (and the CSRF token)."""
    delivered = BooleanField(_l("The module of this day was delivered"))


@dataclass
class Row:
    """One participant's line on the register, as shown (saved mark, or what was just sent)."""
    application: Application
    mark: str = Mark.PRESENT.value
    reason: str = ""
    note: str = ""
    error: str | None = None


def saved_rows(register: list[Application], saved: dict[int, Attendance]) -> list[Row]:
    """Everyone starts as present, unless the day was saved before."""
    rows = []
    for application in register:
        mark = saved.get(application.id)
        rows.append(Row(application, mark.mark.value, mark.reason or "", mark.note or "") if mark
                    else Row(application))
    return rows


def read_register(formdata, register: list[Application]) -> tuple[list[Row], dict[int, Choice]]:
    """The marks sent for the participants on the register; rows with an error have `error` set.

    A participant the form did not include (enrolled after the page was opened) gets no choice at all,
    rather than a "present" the trainer never saw.
    """
    marks = {m.value: m for m in Mark}
    rows, choices = [], {}
    for application in register:
        key = str(application.id)
        sent = formdata.get("m" + key)
        reason = formdata.get("r" + key, "")
        note = formdata.get("n" + key, "").strip()[:NOTE_MAX]
        row = Row(application, sent if sent in marks else Mark.PRESENT.value, reason, note)
        rows.append(row)
        if sent not in marks:
            continue
        if marks[sent] == Mark.EXCUSED and reason not in ABSENCE_REASONS:
            row.error = CHOOSE_REASON
            continue
        choices[application.id] = Choice(marks[sent], reason or None, note or None)
    return rows, choices
