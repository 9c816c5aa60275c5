"""Submitting an application: the checks that need the database, in one writing transaction."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..database import writing
from ..extensions import db
from ..models import Application, Status, User

# The access code is short (people type it from a paper receipt) and guarded by rate limits;
# a moderate hash keeps a leaked table from giving the codes away without slowing look-ups down.
CODE_HASH_METHOD = "pbkdf2:sha256:60000"
_DUMMY_HASH = generate_password_hash("00000000", method=CODE_HASH_METHOD)


class DuplicateApplication(Exception):
    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


@dataclass(frozen=True)
class NewApplication:
    iin: str
    surname: str
    first_name: str
    patronymic: str | None
    birth_date: object
    sex: str
    phone: str
    district_id: int
    social_status: str
    education: str
    business_idea: str | None
    channel: str
    language: str
    consent_version: str
    consent_language: str
    consent_at: datetime
    programme_year: int
    submission_key: str


def new_submission_key() -> str:
    return str(uuid.uuid4())


def new_access_code() -> str:
    """Eight digits: easy to type at a terminal, printed on the receipt."""
    return f"{secrets.randbelow(10**8):08d}"


def format_access_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def _active(iin: str, year: int):
    return sa.select(Application).where(
        Application.iin == iin, Application.programme_year == year, Application.status != Status.WITHDRAWN)


def active_application_year(iin: str, year: int) -> int | None:
    """The programme year of this IIN's active application, if there is one."""
    found = db.session.scalar(_active(iin, year).limit(1))
    return found.programme_year if found else None


def submit_application(new: NewApplication, access_code: str, entered_by: User | None = None) -> Application:
    """Create the application, or return the one this same form already created (double click).

    One active application per IIN per programme year: checked here for a kind message and
    enforced by a unique index, so two submissions at the same instant still leave one.
    """
    code_hash = generate_password_hash(access_code, method=CODE_HASH_METHOD)  # ~25 ms: before taking the write lock
    try:
        with writing():
            replay = db.session.scalar(sa.select(Application)
                                       .where(Application.submission_key == new.submission_key))
            if replay is not None:
                return replay
            if db.session.scalar(_active(new.iin, new.programme_year).limit(1)) is not None:
                raise DuplicateApplication(new.programme_year)
            application = Application(**new.__dict__, entered_by=entered_by,
                                      access_code_hash=code_hash)
            db.session.add(application)
            audit.record("submitted", entered_by, application, to_status=Status.SUBMITTED, reason=new.channel)
    except IntegrityError:
        replay = db.session.scalar(sa.select(Application).where(Application.submission_key == new.submission_key))
        if replay is not None:
            return replay
        raise DuplicateApplication(new.programme_year) from None
    return application


def find_application(reference: str, iin: str, access_code: str) -> Application | None:
    """The application these three details open, or None, without telling which one was wrong."""
    parsed = Application.parse_reference(reference)
    application = db.session.get(Application, parsed[1]) if parsed else None
    code = "".join((access_code or "").split())
    if application is None:
        check_password_hash(_DUMMY_HASH, code)  # same work either way: timing says nothing
        return None
    code_ok = check_password_hash(application.access_code_hash, code)
    if code_ok and application.programme_year == parsed[0] and application.iin == iin:
        return application
    return None


def earlier_applications(application: Application) -> list[Application]:
    """The same person's applications of other years (staff see this history)."""
    return list(db.session.scalars(sa.select(Application).where(
        Application.iin == application.iin, Application.id != application.id).order_by(Application.programme_year)))
