"""Tables and the small behaviour that belongs to them."""
from __future__ import annotations

import enum
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _enum(cls):
    """Store enums as their short text values (no native types: migrations stay simple)."""
    return sa.Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Channel(str, enum.Enum):
    """Where a citizen applies."""
    AKIMAT = "akimat"
    EMPLOYMENT_CENTRE = "employment_centre"
    CHAMBER_BRANCH = "chamber_branch"
    OWN_DEVICE = "own_device"  # the applicant's own phone or computer (never a staff member's office)


class SocialStatus(str, enum.Enum):
    UNEMPLOYED = "unemployed"
    SELF_EMPLOYED = "self_employed"


class Education(str, enum.Enum):
    BASIC = "basic"            # up to 9 grades
    SECONDARY = "secondary"    # 11 grades
    VOCATIONAL = "vocational"  # college / TVET
    HIGHER = "higher"


class Status(str, enum.Enum):
    """A participant's life cycle (DESIGN.md)."""
    SUBMITTED = "submitted"
    TARGET_GROUP_CONFIRMED = "target_group_confirmed"
    NOT_TARGET_GROUP = "not_target_group"
    LIST_APPROVED = "list_approved"
    TEST_PASSED = "test_passed"
    TEST_FAILED = "test_failed"
    ENROLLED = "enrolled"
    IN_TRAINING = "in_training"
    EXPELLED = "expelled"
    TRAINING_COMPLETED = "training_completed"
    DEFENDED = "defended"
    NOT_DEFENDED = "not_defended"
    REFERRED_FOR_FINANCING = "referred_for_financing"
    LOAN_APPROVED = "loan_approved"
    LOAN_DECLINED = "loan_declined"
    WITHDRAWN = "withdrawn"


class ConsentWay(str, enum.Enum):
    """How the person's own consent to the processing of their personal data was given (law 94-V art. 7-8)."""
    ONLINE = "online"                    # ticked by the person themself on the form (own phone, terminal)
    PENDING = "pending"                  # entered by an operator; the citizen has not given it yet
    PAPER = "paper"                      # the citizen signed the printed text; an operator recorded it
    SMS = "sms"                          # the citizen confirmed with a one-time code sent to their phone
    OPERATOR_TICKED = "operator_ticked"  # before version 2026-2: ticked by an operator, with no record of the citizen


class Role(str, enum.Enum):
    OPERATOR = "operator"
    CENTRE_OFFICER = "centre_officer"
    CHAMBER_STAFF = "chamber_staff"
    TRAINER = "trainer"
    COMMISSION = "commission"
    REGIONAL_ADMIN = "regional_admin"
    NATIONAL_ADMIN = "national_admin"


# KATO abbreviations a villager does not read («Семей Қ.Ә.» = city administration): citizens see «Семей қаласы».
CITIZEN_PLACE_NAMES = (
    (re.compile(r"^(?P<town>.+?)\s+Қ\.\s?Ә\.$"), "{town} қаласы"),
    (re.compile(r"^(?P<town>.+?)\s+Г\.\s?А\.$"), "город {town}"),
    (re.compile(r"^(?P<town>.+?)\s+қ\.$"), "{town} қаласы"),
    (re.compile(r"^г\.\s*(?P<town>.+)$"), "город {town}"),
)


def citizen_place_name(kato_name: str) -> str:
    """The name of a district or city as a citizen says it; staff pages and exports keep the KATO name."""
    for pattern, spoken in CITIZEN_PLACE_NAMES:
        found = pattern.match(kato_name)
        if found:
            return spoken.format(town=found["town"])
    return kato_name


class Localised:
    """Reference rows carry both names; show the one of the page's language."""
    name_kk: Mapped[str]
    name_ru: Mapped[str]

    @property
    def name(self) -> str:
        return self.name_ru if str(get_locale()) == "ru" else self.name_kk

    @property
    def citizen_name(self) -> str:
        return citizen_place_name(self.name)


class Region(Localised, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kato_code: Mapped[str] = mapped_column(sa.String(9), unique=True)
    name_kk: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))
    districts: Mapped[list[District]] = relationship(back_populates="region", order_by="District.name_kk")


class District(Localised, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    kato_code: Mapped[str] = mapped_column(sa.String(9), unique=True)
    name_kk: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))
    kato_edition: Mapped[str] = mapped_column(sa.String(40))
    # Closed to new applications from this day on (merged or abolished); its people and records stay.
    closed_from: Mapped[date | None]
    region: Mapped[Region] = relationship(back_populates="districts")
    former_names: Mapped[list[DistrictName]] = relationship(back_populates="district",
                                                            order_by="DistrictName.used_until")

    def open_on(self, day: date) -> bool:
        return self.closed_from is None or day < self.closed_from

    def name_on(self, day: date) -> str:
        """The name the district had on a day: a renamed district keeps its old names for old records."""
        for former in self.former_names:
            if day <= former.used_until:
                return former.name
        return self.name


class DistrictName(Localised, db.Model):
    """A name a district had until a renaming: applications made before it show the name as it was."""
    __tablename__ = "district_name"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    used_until: Mapped[date]  # the last day this name was in use
    name_kk: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))
    district: Mapped[District] = relationship(back_populates="former_names")


class MciRate(db.Model):
    """The monthly calculation index, set by law; a year may change it mid-way (2022)."""
    __tablename__ = "mci_rate"
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    amount: Mapped[int]  # tenge
    law: Mapped[str | None] = mapped_column(sa.String(300))  # the law that set it

    @classmethod
    def on(cls, day: date) -> MciRate | None:
        """The rate in force on a day, set for that day's year; a year with no rate of its own has none
        (never last year's: the loan cap would silently be too low)."""
        return db.session.scalar(sa.select(cls).where(cls.valid_from <= day, cls.valid_from >= date(day.year, 1, 1))
                                 .order_by(cls.valid_from.desc()).limit(1))


class DayKind(str, enum.Enum):
    HOLIDAY = "holiday"          # a public holiday: no training
    DAY_OFF = "day_off"          # a rest day transferred by the government's decree: no training
    WORKING_DAY = "working_day"  # a weekend day made a working day by a transfer


class CalendarDay(Localised, db.Model):
    """A day that is not an ordinary day of the week: holidays and transferred days, per year (kept by the
    national administrators; future years can be filled from the `holidays` package's Kazakhstan calendar)."""
    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[DayKind] = mapped_column(_enum(DayKind))
    name_kk: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))


class Lender(Localised, db.Model):
    """A financial institution that takes loan referrals; an inactive one is no longer offered."""
    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name_kk: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class User(UserMixin, db.Model):
    """A staff account: one role, bound to a district (regional staff: a region; national: none)."""
    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(160))
    # The name as searches compare it (bastau.collation.search_key), kept in step by _keep_search_names below.
    search_name: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(_enum(Role))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    office: Mapped[Channel | None] = mapped_column(_enum(Channel))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    district: Mapped[District | None] = relationship()
    region: Mapped[Region | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.active

    def set_password(self, password: str) -> None:
        # scrypt by default; the test suite picks a cheap method, the only reason this is configurable.
        self.password_hash = generate_password_hash(password, method=current_app.config.get(
            "PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Application(db.Model):
    """A citizen's application to the programme for one programme year."""
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_year: Mapped[int]
    iin: Mapped[str] = mapped_column(sa.String(12), index=True)
    surname: Mapped[str] = mapped_column(sa.String(60))
    first_name: Mapped[str] = mapped_column(sa.String(60))
    patronymic: Mapped[str | None] = mapped_column(sa.String(60))
    # Surname, first name and patronymic as searches compare them (bastau.collation.search_key): one stored key,
    # so that SQLite and PostgreSQL match alike whatever their locale; kept in step by _keep_search_names below.
    search_name: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(sa.String(6))
    phone: Mapped[str] = mapped_column(sa.String(12))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    social_status: Mapped[SocialStatus] = mapped_column(_enum(SocialStatus))
    education: Mapped[Education] = mapped_column(_enum(Education))
    business_idea: Mapped[str | None] = mapped_column(sa.String(300))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.SUBMITTED)
    access_code_hash: Mapped[str] = mapped_column(sa.String(256))
    # One key per filled-in form: a double click or a re-sent request finds the first application.
    submission_key: Mapped[str] = mapped_column(sa.String(36), unique=True)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    language: Mapped[str] = mapped_column(sa.String(2))
    consent_version: Mapped[str] = mapped_column(sa.String(20))
    consent_language: Mapped[str] = mapped_column(sa.String(2))
    consent_at: Mapped[datetime]  # when it was given; while PENDING, when the application was entered
    consent_way: Mapped[ConsentWay] = mapped_column(_enum(ConsentWay), default=ConsentWay.ONLINE,
                                                    server_default=ConsentWay.ONLINE.value)
    consent_recorded_by_id: Mapped[int | None]  # staff_user.id (no foreign key: see migration a16c00000001)
    # The one-time code of an assisted consent by SMS (bastau/consents/services.py): hashed, short-lived, few tries.
    consent_code_hash: Mapped[str | None] = mapped_column(sa.String(256))
    consent_code_sent_at: Mapped[datetime | None]
    consent_code_tries: Mapped[int] = mapped_column(default=0, server_default="0")
    # The person agreed to SMS about their application (asked on the form, default yes; stopped from the status page).
    sms_opt_in: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Set when the person's personal data were erased (bastau/personal_data.py): consent withdrawn, or the
    # retention period ended. The row stays for the programme's figures, with nothing that names the person.
    anonymised_at: Mapped[datetime | None]
    anonymised_reason: Mapped[str | None] = mapped_column(sa.String(20))  # "consent_withdrawn" or "retention"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    entered_by: Mapped[User | None] = relationship()
    consent_recorded_by: Mapped[User | None] = relationship(
        primaryjoin="foreign(Application.consent_recorded_by_id) == User.id", viewonly=True)
    history: Mapped[list[AuditEntry]] = relationship(
        back_populates="application", order_by="AuditEntry.id", viewonly=True)

    test_sittings: Mapped[list[TestSitting]] = relationship(
        back_populates="application", order_by="TestSitting.id", viewonly=True)
    # A participant is in at most one cohort at a time: one column, not a list.
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    cohort: Mapped[Cohort | None] = relationship(back_populates="participants")

    __table_args__ = (
        # One active application per IIN per programme year, enforced by the database itself.
        sa.Index("uq_application_active_iin_year", "iin", "programme_year", unique=True,
                 sqlite_where=sa.text("status != 'withdrawn'"),
                 postgresql_where=sa.text("status != 'withdrawn'")),
        sa.Index("ix_application_district_status", "district_id", "status", "created_at"),
        # The dashboards count a year's applications by district and status in one pass.
        sa.Index("ix_application_year_district_status", "programme_year", "district_id", "status"),
    )

    REFERENCE_PREFIX = "BB"

    @property
    def reference(self) -> str:
        return f"{self.REFERENCE_PREFIX}-{self.programme_year}-{self.id:06d}"

    @staticmethod
    def parse_reference(text: str) -> tuple[int, int] | None:
        """'bb-2026-000123' or 'BB 2026 123' -> (2026, 123); None if it is not a reference."""
        parts = [p for p in "".join(ch if ch.isalnum() else " " for ch in (text or "")).upper().split()]
        if len(parts) == 3 and parts[0] == Application.REFERENCE_PREFIX:
            parts = parts[1:]
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
            return None
        if len(parts[0]) != 4 or len(parts[1]) > 9:
            return None
        return int(parts[0]), int(parts[1])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def consent_pending(self) -> bool:
        """Entered by an operator, and the citizen's own consent not yet recorded: nothing is decided meanwhile."""
        return self.consent_way == ConsentWay.PENDING

    @property
    def place(self) -> str:
        """The district's name as it was when the person applied (a later renaming does not rewrite it)."""
        from .clock import KZ  # the day of the application in Kazakhstan, not in UTC
        applied = (self.created_at or utcnow()).replace(tzinfo=timezone.utc).astimezone(KZ).date()
        return self.district.name_on(applied)

    @property
    def citizen_place(self) -> str:
        """The same, as the citizen reads it (receipt, status page): «Семей қаласы», not «Семей Қ.Ә.»."""
        return citizen_place_name(self.place)


LISTED = (Application.id, Application.programme_year, Application.surname, Application.first_name,
          Application.patronymic, Application.status)  # what every list of people shows of each


def listed(*columns):
    """Loader option for a list of people (a queue, a waiting list, financing): each row's id, reference, name and
    status, plus `columns`; nothing else of the application is loaded, and a template reaching for more raises
    instead of costing a query a row. Building whole rows was half of such a page's time.

    Only for a page that shows the rows, never in a writing transaction: a row loaded so is the session's copy of
    that application, and code that gets it again (db.session.get) to write or to send an SMS would find it partial."""
    return sa.orm.load_only(*LISTED, *columns, raiseload=True)


def listing(query: sa.Select, *columns) -> sa.Select:
    """A query of applications that selects only the listed columns and `columns`, as plain rows for `Listed`:
    no ORM object is built (with load_only, each row still cost an object, an identity-map entry and a refusal
    set up for each column left out: 50 rows 0.9 → 0.25 ms)."""
    return query.with_only_columns(*LISTED, *columns)


class NotListed(LookupError):
    """A list's page reached for a column its query did not select."""


class Listed:
    """One person of a read-only list, from a `listing` row: its columns as attributes, and the application's own
    facts drawn from them (name, reference, consent pending) by the same code as Application's. A column the list
    did not select raises NotListed; nothing can be written back or loaded later."""

    REFERENCE_PREFIX = Application.REFERENCE_PREFIX

    def __init__(self, row):
        self.__dict__.update(row._mapping)

    @classmethod
    def all(cls, rows) -> list[Listed]:
        """Every row of a result as Listed, the column names read once (a row's _mapping costs 2 µs a row)."""
        if not rows:
            return []
        names, made = rows[0]._fields, []
        for row in rows:
            listed = cls.__new__(cls)
            listed.__dict__.update(zip(names, row))
            made.append(listed)
        return made

    def __getattr__(self, name: str):
        """Loudly, not as an AttributeError: Jinja would draw an empty cell for one, and the page would look fine."""
        if name.startswith("_"):  # hasattr(row, "__html__") and the like: a plain "no"
            raise AttributeError(name)
        raise NotListed(f"{name!r} is not among the columns this list selected (models.listing)")

    full_name = Application.full_name
    reference = Application.reference
    consent_pending = Application.consent_pending


def listed_rows(query: sa.Select, *columns) -> list[Listed]:
    """The people of `query` with the listed columns and `columns`, as `Listed` rows (a list that is not paged)."""
    return Listed.all(db.session.execute(listing(query, *columns)).all())


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
@sa.event.listens_for(Application, "before_insert")
@sa.event.listens_for(Application, "before_update")
def _keep_search_names(_mapper, _connection, row) -> None:
    """Whenever a person's or an account's name is written, its search key is written with it."""
    from .collation import search_key
    parts = (row.full_name,) if isinstance(row, User) else (row.surname, row.first_name, row.patronymic)
    key = search_key(*parts)
    if row.search_name != key:
        row.search_name = key


SEARCH_NAME_SOURCES = {"staff_user": ("full_name",), "application": ("surname", "first_name", "patronymic")}


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _keep_search_names_of_bulk_updates(state) -> None:
    """`sa.update(User).values(full_name=…)` skips the flush: the rows it changed get their key written after it."""
    statement = state.statement
    if not state.is_update or not isinstance(statement, sa.Update):
        return None
    table = statement.table
    sources = SEARCH_NAME_SOURCES.get(getattr(table, "name", None), ())
    if not sources or not set(statement.compile().params) & set(sources):
        return None
    result = state.invoke_statement()
    from .collation import search_key
    query = sa.select(table.c.id, *(table.c[name] for name in sources))
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    connection = state.session.connection()  # plain Core: no second round through this hook
    keys = [{"row_id": row[0], "key": search_key(*row[1:])} for row in connection.execute(query)]
    if keys:
        connection.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                           .values(search_name=sa.bindparam("key")), keys)
    return result


class AuditEntry(db.Model):
    """Append-only record of every decision about a person: who, role, when, what, from and to."""
    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    actor_role: Mapped[str | None] = mapped_column(sa.String(32))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[Status | None] = mapped_column(_enum(Status))
    to_status: Mapped[Status | None] = mapped_column(_enum(Status))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.Text)
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    application: Mapped[Application | None] = relationship(back_populates="history")
    # Words someone typed (a reason, a comment) are kept beside the entry, not in it: they may name a person, and
    # the entry itself can never be changed (bastau/audit.py).
    typed: Mapped[AuditTypedNote | None] = relationship(lazy="selectin")

    @property
    def shown_note(self) -> str:
        """The note in the page's language (bastau.audit_notes.shown_note); the stored note is never changed."""
        from .audit_notes import shown_note
        return shown_note(self)

    @property
    def shown_reason(self) -> str:
        from .audit_notes import shown_reason
        return shown_reason(self)


class AuditTypedNote(db.Model):
    """The words typed with an audit entry (a withdrawal's comment, a rejection's note, a lender's reason): apart
    from the append-only entry, so that erasing a person's data erases them too (bastau/personal_data.py)."""
    __tablename__ = "audit_typed_note"
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_entry.id"), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)


class ConsentWithdrawal(db.Model):
    """A person withdrew their consent to the processing of their personal data: on their status page, or by a
    written request that staff recorded (its date and registration number). The application is then anonymised."""
    __tablename__ = "consent_withdrawal"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    way: Mapped[str] = mapped_column(sa.String(20))  # "status_page" or "written_request"
    request_number: Mapped[str | None] = mapped_column(sa.String(40))  # the office's registration number
    request_date: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(db.Model):
    """Server-side session: the cookie carries a random key whose hash is the id here."""
    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    data: Mapped[str] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ProgrammeYear(db.Model):
    """Settings that the programme fixes per year (the test's pass mark; later the yearly plans)."""
    __tablename__ = "programme_year"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    pass_mark: Mapped[int]  # points needed to pass the entrepreneurial-potential test


class Decision(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class ApplicantList(db.Model):
    """A numbered list of confirmed applicants that the employment centre sends to the chamber.

    A sent list is frozen: a change makes a new version with the same number; versions stay.
    """
    __tablename__ = "applicant_list"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    programme_year: Mapped[int]
    number: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    change_note: Mapped[str | None] = mapped_column(sa.String(300))

    district: Mapped[District] = relationship()
    created_by: Mapped[User] = relationship()
    entries: Mapped[list[ListEntry]] = relationship(back_populates="list", order_by="ListEntry.id",
                                                    cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("district_id", "programme_year", "number", "version", name="uq_applicant_list_version"),
        sa.Index("ix_applicant_list_district_current", "district_id", "is_current", "created_at"),
    )

    @property
    def title(self) -> str:
        return f"№{self.number}/{self.programme_year}"


class ListEntry(db.Model):
    """One applicant on one version of a list, with the chamber's decision about them."""
    __tablename__ = "list_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("applicant_list.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    decision: Mapped[Decision] = mapped_column(_enum(Decision), default=Decision.PENDING)
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    list: Mapped[ApplicantList] = relationship(back_populates="entries")
    application: Mapped[Application] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("list_id", "application_id", name="uq_list_entry_application"),)


class TestQuestion(db.Model):
    """A multiple-choice question of the entrepreneurial-potential test, in both languages."""
    __tablename__ = "test_question"
    __test__ = False  # not a pytest class
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    text_kk: Mapped[str] = mapped_column(sa.Text)
    text_ru: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    options: Mapped[list[TestOption]] = relationship(back_populates="question", order_by="TestOption.position",
                                                     cascade="all, delete-orphan")

    @property
    def text(self) -> str:
        return self.text_ru if str(get_locale()) == "ru" else self.text_kk


class TestOption(db.Model):
    __tablename__ = "test_option"
    __test__ = False
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("test_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text_kk: Mapped[str] = mapped_column(sa.Text)
    text_ru: Mapped[str] = mapped_column(sa.Text)
    points: Mapped[int] = mapped_column(default=0)
    question: Mapped[TestQuestion] = relationship(back_populates="options")

    @property
    def text(self) -> str:
        return self.text_ru if str(get_locale()) == "ru" else self.text_kk


class TestMethod(str, enum.Enum):
    TERMINAL = "terminal"  # taken at a terminal in a session supervised by chamber staff
    PAPER = "paper"        # a paper test whose score staff enter


class TestSitting(db.Model):
    """One applicant's test: opened by chamber staff (with a one-time code for the terminal), then scored."""
    __tablename__ = "test_sitting"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    method: Mapped[TestMethod] = mapped_column(_enum(TestMethod))
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    score: Mapped[int | None]
    max_score: Mapped[int | None]
    pass_mark: Mapped[int | None]
    passed: Mapped[bool | None]
    answers: Mapped[str | None] = mapped_column(sa.Text)  # JSON {question_id: option_id}

    application: Mapped[Application] = relationship(back_populates="test_sittings")
    opened_by: Mapped[User] = relationship()


class Cohort(db.Model):
    """A training group (лек / поток) of a district: numbered 1–6 in its year, with a dated schedule."""
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    programme_year: Mapped[int]
    number: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(2))
    venue: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date]
    training_days: Mapped[int]
    capacity: Mapped[int]
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    district: Mapped[District] = relationship()
    trainer: Mapped[User] = relationship(foreign_keys=[trainer_id])
    days: Mapped[list[TrainingDay]] = relationship(back_populates="cohort", order_by="TrainingDay.day_number",
                                                   cascade="all, delete-orphan")
    participants: Mapped[list[Application]] = relationship(back_populates="cohort", order_by="Application.surname")

    __table_args__ = (
        sa.UniqueConstraint("district_id", "programme_year", "number", name="uq_cohort_number"),
        sa.CheckConstraint("number BETWEEN 1 AND 6", name="number_1_to_6"),
        sa.CheckConstraint("training_days BETWEEN 25 AND 30", name="training_days_25_to_30"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("language IN ('kk', 'ru')", name="language_kk_ru"),
    )

    @property
    def title(self) -> str:
        return f"{self.number}/{self.programme_year}"


class TrainingDay(db.Model):
    """One dated session of a cohort's schedule and the module taught that day."""
    __tablename__ = "training_day"
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    day_number: Mapped[int]
    date: Mapped[date]
    module_number: Mapped[int]
    delivered_at: Mapped[datetime | None]
    delivered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    cohort: Mapped[Cohort] = relationship(back_populates="days")

    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "day_number", name="uq_training_day_number"),
        sa.UniqueConstraint("cohort_id", "date", name="uq_training_day_date"),
        sa.CheckConstraint("module_number BETWEEN 1 AND 12", name="module_1_to_12"),
    )


class Mark(str, enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"      # absent without a valid reason: counts towards the 3-day rule
    EXCUSED = "excused"    # absent with a valid reason: does not count


class Attendance(db.Model):
    """A participant's mark for one training day; saving the same day again updates it (idempotent)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    training_day_id: Mapped[int] = mapped_column(sa.ForeignKey("training_day.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    mark: Mapped[Mark] = mapped_column(_enum(Mark))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("training_day_id", "application_id", name="uq_attendance_day_person"),)


class AttendanceKey(db.Model):
    """A mark sent by the register's script carries a key made on the phone; a key seen before is not applied
    again, so a mark resent after a dropped connection (or an old one arriving late) never doubles or flips one
    saved since. `application_id` is empty for the day's "module delivered" tick."""
    __tablename__ = "attendance_key"
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    training_day_id: Mapped[int] = mapped_column(sa.ForeignKey("training_day.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpulsionReview(db.Model):
    """The commission's decision about a participant flagged for too many unexcused absences."""
    __tablename__ = "expulsion_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    expel: Mapped[bool]
    reason: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    decided_on: Mapped[date]
    unexcused_days: Mapped[int]  # counted when the commission decided; a "keep" covers these days only
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User] = relationship()


class Sector(str, enum.Enum):
    AGRICULTURE = "agriculture"
    SERVICES = "services"
    TRADE = "trade"
    PRODUCTION = "production"
    OTHER = "other"


class BusinessPlan(db.Model):
    """One uploaded version of a participant's business plan (new versions keep the old ones)."""
    __tablename__ = "business_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    version: Mapped[int]
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)  # generated; never the uploaded name
    original_name: Mapped[str] = mapped_column(sa.String(255))            # shown and used as the download name
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    sector: Mapped[Sector] = mapped_column(_enum(Sector))
    village: Mapped[str] = mapped_column(sa.String(120))
    amount_needed: Mapped[int]  # tenge
    jobs_planned: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))  # None: the participant
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("application_id", "version", name="uq_business_plan_version"),
        sa.CheckConstraint("amount_needed >= 0 AND jobs_planned >= 0", name="non_negative"),
    )


class DefenceSession(db.Model):
    """A commission sitting where a cohort's participants defend their business plans."""
    __tablename__ = "defence_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    members: Mapped[list[User]] = relationship(secondary="defence_member", order_by="User.full_name")


defence_member = sa.Table(
    "defence_member", db.metadata,
    sa.Column("session_id", sa.ForeignKey("defence_session.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("staff_user.id"), primary_key=True),
)


class RubricCriterion(db.Model):
    """A criterion of the defence rubric, with its weight (kept as data, both languages)."""
    __tablename__ = "rubric_criterion"
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    text_kk: Mapped[str] = mapped_column(sa.Text)
    text_ru: Mapped[str] = mapped_column(sa.Text)
    weight: Mapped[int] = mapped_column(default=1)
    max_points: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def text(self) -> str:
        return self.text_ru if str(get_locale()) == "ru" else self.text_kk


class DefenceScore(db.Model):
    """One member's points for one criterion of one participant's plan."""
    __tablename__ = "defence_score"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("defence_session.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_criterion.id"))
    points: Mapped[int]
    scored_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("session_id", "application_id", "member_id", "criterion_id", name="uq_defence_score"),
        sa.CheckConstraint("points >= 0", name="points_non_negative"),
    )


class DefenceResult(db.Model):
    """The outcome for one participant: defended or not (with the scores' summary), or did not come."""
    __tablename__ = "defence_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("defence_session.id"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    defended: Mapped[bool]
    absent: Mapped[bool] = mapped_column(default=False)
    average_percent: Mapped[int | None]  # weighted average of the members' scores, 0–100
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class CertificateKind(str, enum.Enum):
    COMPLETION = "completion"        # trained and defended
    PARTICIPATION = "participation"  # trained, did not defend


class Certificate(db.Model):
    """A certificate with a unique, non-guessable number that anyone can verify."""
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[CertificateKind] = mapped_column(_enum(CertificateKind))
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"))
    language: Mapped[str] = mapped_column(sa.String(2))
    issued_on: Mapped[date]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    # Set by the calendar job on the day the 24-month loan priority ends (rules.loan_priority_until).
    priority_closed_on: Mapped[date | None]

    application: Mapped[Application] = relationship()
    cohort: Mapped[Cohort] = relationship()


class DefenceReopening(db.Model):
    """A closed defence session reopened by a regional administrator to correct it (rules.defence_may_reopen)."""
    __tablename__ = "defence_reopening"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("defence_session.id"), index=True)
    closed_at: Mapped[datetime]  # when the session had been closed (its results' time)
    reopened_at: Mapped[datetime] = mapped_column(default=utcnow)
    reopened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))

    reopened_by: Mapped[User] = relationship()


class RevokedCertificate(db.Model):
    """A certificate revoked when its defence session was reopened: its number still answers on the public
    check page ("revoked on …", and whether a newer certificate exists)."""
    __tablename__ = "revoked_certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(_enum(CertificateKind))
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"))
    issued_on: Mapped[date]
    revoked_on: Mapped[date]
    reopening_id: Mapped[int] = mapped_column(sa.ForeignKey("defence_reopening.id"))

    application: Mapped[Application] = relationship()
    cohort: Mapped[Cohort] = relationship()


class LoanOutcome(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    ISSUED = "issued"


class LoanReferral(db.Model):
    """A defended plan referred to a financial institution, and what came of it (money in whole tenge)."""
    __tablename__ = "loan_referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    institution: Mapped[str] = mapped_column(sa.String(40))  # a code from bastau/data/lenders.json
    amount_requested: Mapped[int]
    term_months: Mapped[int]
    rate_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    referred_on: Mapped[date]
    referred_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    outcome: Mapped[LoanOutcome] = mapped_column(_enum(LoanOutcome), default=LoanOutcome.PENDING)
    approved_amount: Mapped[int | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.String(300))
    issued_on: Mapped[date | None]
    issued_amount: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("amount_requested > 0 AND term_months > 0", name="positive"),)


class BusinessFollowUp(db.Model):
    """Did the participant open a business? Checked 6 and 12 months after training."""
    __tablename__ = "business_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    months_after: Mapped[int]  # 6 or 12
    business_opened: Mapped[bool]
    opened_on: Mapped[date | None]
    registered_as_ie: Mapped[bool] = mapped_column(default=False)  # individual entrepreneur (ИП / ЖК)
    jobs_created: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("application_id", "months_after", name="uq_follow_up_month"),
        sa.CheckConstraint("months_after IN (6, 12)", name="months_6_or_12"),
        sa.CheckConstraint("jobs_created >= 0", name="jobs_non_negative"),
    )


class NationalPlan(db.Model):
    """How many people the programme plans to train in a year, nationally (the first year's was 15,000)."""
    __tablename__ = "national_plan"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    people: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint("people >= 0", name="people_non_negative"),)


class RegionPlan(db.Model):
    """A region's share of a year's plan; the regions add up to the national plan."""
    __tablename__ = "region_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"))
    people: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("year", "region_id", name="uq_region_plan_year"),
        sa.CheckConstraint("people >= 0", name="people_non_negative"),
    )


class DistrictPlan(db.Model):
    """A district's share of its region's plan; the districts add up to the region's plan."""
    __tablename__ = "district_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    people: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("year", "district_id", name="uq_district_plan_year"),
        sa.CheckConstraint("people >= 0", name="people_non_negative"),
    )


class JobRun(db.Model):
    """The last run of each periodic job, for `flask jobs` and /healthz; one row per job, updated in place."""
    __tablename__ = "job_run"
    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_succeeded_at: Mapped[datetime | None]
    last_result: Mapped[str | None] = mapped_column(sa.String(300))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    runs: Mapped[int] = mapped_column(default=0)


class Notice(db.Model):
    """Something the calendar found that a person must act on, shown on the desks of the roles concerned
    (bastau.notices says which) until it is closed: a flag waiting for the commission, a follow-up that fell
    due, reference data about to run out. `key` makes a job that finds the same thing twice add it once."""
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    detail: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    application: Mapped[Application | None] = relationship()
    district: Mapped[District | None] = relationship()

    __table_args__ = (sa.Index("ix_notice_open", "closed_at", "kind", "district_id"),)


class SmsState(str, enum.Enum):
    QUEUED = "queued"        # waiting to be handed to the gateway (perhaps until the morning: quiet hours)
    SENDING = "sending"      # handed over, no answer yet (a worker that died here does not send it twice)
    SENT = "sent"            # the gateway took it
    DELIVERED = "delivered"  # the gateway reported it delivered to the phone
    FAILED = "failed"        # for good: a wrong number, refused by the gateway, or too many attempts
    CANCELLED = "cancelled"  # not sent: the person stopped SMS, or the day's cap for the phone was reached


class SmsMessage(db.Model):
    """One SMS in the outbox, written in the same transaction as the event it tells about; the job engine
    delivers it. `key` names the event, so the same event never makes a second message."""
    __tablename__ = "sms_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(12))
    language: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[SmsState] = mapped_column(_enum(SmsState), default=SmsState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)  # quiet hours and retry back-off
    gateway: Mapped[str | None] = mapped_column(sa.String(20))
    gateway_id: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    application: Mapped[Application | None] = relationship()

    __table_args__ = (sa.Index("ix_sms_message_due", "state", "not_before"),
                      sa.Index("ix_sms_message_phone_day", "phone", "created_at"))


class ReadEntry(db.Model):
    """Append-only record of a member of staff seeing a person's data (bastau.read_log): who, role, when, what
    (a kind and an id, never a name or an IIN, so anonymising a person changes nothing here) and from where.
    `district_id` is the viewer's own district, for pages that list the people of their area."""
    __tablename__ = "read_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(index=True)  # staff_user.id; no foreign key: the log outlives accounts
    actor_role: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    district_id: Mapped[int | None]
    address: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_read_entry_kind_object", "kind", "object_id"),)


class DashboardTally(db.Model):
    """The dashboard's figures per programme year, district and cohort (0: not in a cohort), kept current in the
    same transaction as every change they count (bastau/dashboard/tallies.py), so a dashboard reads a few hundred
    rows whatever the number of applications. What each column counts: bastau/dashboard/figures.py."""
    __tablename__ = "dashboard_tally"
    programme_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), primary_key=True, autoincrement=False)
    cohort_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    applied: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    confirmed: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    test_passed: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    enrolled: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    expelled: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    trained: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    defended: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    completion: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    participation: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    referred: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    loans: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    loan_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    opened: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    jobs: Mapped[int] = mapped_column(sa.BigInteger, default=0)
