"""The retention job: personal data are not kept longer than PERSONAL_DATA_RETENTION_YEARS after an application's
last event (bastau/personal_data.py says from when, and what anonymising keeps)."""
from __future__ import annotations

from datetime import date

from ..extensions import db
from ..lifecycle import CALENDAR
from ..models import Application
from ..personal_data import RETENTION, anonymise, due_for_retention


def anonymise_expired(today: date) -> str:
    """Anonymise every application whose retention period has ended by `today`, in the job's transaction (a
    larger backlog than one batch is finished by the next runs). Counts only: a job's result names nobody."""
    people: list[Application] = db.session.scalars(due_for_retention(today).with_for_update(of=Application)).all()
    files = sum(len(anonymise(application, reason=RETENTION, by=CALENDAR)) for application in people)
    return f"{len(people)} anonymised, {files} plan files deleted"
