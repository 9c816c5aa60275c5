"""Staff accounts: who an administrator may manage, and every change to an account, audited.

A regional administrator manages the district accounts of their region; a national administrator manages
every account. A new or reset account gets a temporary password that its owner must change at first sign-in;
disabling an account or resetting its password ends that person's sessions at once.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..access import in_area
from ..database import writing
from ..extensions import db
from ..i18n import alphabetical
from ..models import Channel, District, Region, Role, User
from ..sessions import end_sessions_of

DISTRICT_ROLES = (Role.OPERATOR, Role.CENTRE_OFFICER, Role.CHAMBER_STAFF, Role.TRAINER, Role.COMMISSION)
ADMIN_ROLES = (Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)
MIN_PASSWORD_LENGTH = 10
# No 0/o, 1/l/i: the password is read out or copied from a screen by hand.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def users_for(admin: User) -> sa.Select:
    """The accounts an administrator manages; every accounts query starts here so that none forgets the area."""
    if admin.role not in ADMIN_ROLES:
        return sa.select(User).where(sa.false())
    return in_area(sa.select(User), admin, User.district_id)


def assignable_roles(admin: User) -> tuple[Role, ...]:
    """Regional administrators give district roles only; national ones give any role."""
    if admin.role == Role.NATIONAL_ADMIN:
        return tuple(Role)
    if admin.role == Role.REGIONAL_ADMIN:
        return DISTRICT_ROLES
    return ()


def districts_for(admin: User) -> list[District]:
    """Districts an administrator may put accounts in, in alphabetical order of their names."""
    if admin.role not in ADMIN_ROLES:
        return []
    query = in_area(sa.select(District), admin, District.id).options(sa.orm.joinedload(District.region))
    return sorted(db.session.scalars(query), key=lambda d: alphabetical(d.name))


def regions_for(admin: User) -> list[Region]:
    """Regions a regional administrator may be bound to: only national administrators create those."""
    if admin.role != Role.NATIONAL_ADMIN:
        return []
    return sorted(db.session.scalars(sa.select(Region)), key=lambda r: alphabetical(r.name))


def temporary_password() -> str:
    """Twelve random letters and digits in three groups (about 59 bits), e.g. k7mp-3xwa-9rtd."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


@dataclass
class AccountDetails:
    """What an administrator sets on an account (the username is set once, at creation)."""
    full_name: str
    phone: str | None
    role: Role
    district_id: int | None = None
    region_id: int | None = None
    office: Channel | None = None


class DuplicateAccount(Exception):
    """Another account already has this username or phone number."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class OwnAccount(Exception):
    """An administrator tried to disable, or reset the password of, their own account."""


def create_account(admin: User, username: str, details: AccountDetails) -> tuple[User, str]:
    """A new account with a temporary password, which is returned to be shown once and never stored."""
    try:
        with writing():
            _check_unique(username, details.phone)
            password = temporary_password()
            user = User(username=username, password_hash="", must_change_password=True, active=True,
                        **_columns(details))
            user.set_password(password)
            db.session.add(user)
            db.session.flush()  # the id, for the audit entry
            audit.record("account_created", admin, subject_user=user, note=_describe(_values(user)))
    except IntegrityError:  # another administrator took the username or phone a moment ago
        _check_unique(username, details.phone)
        raise
    return user, password


def change_account(admin: User, user: User, details: AccountDetails) -> str | None:
    """Apply the changes; the audit note says what changed ("role: operator → trainer"). None: nothing did."""
    try:
        with writing():
            before = _values(user)
            _check_unique(None, details.phone, exclude=user.id)
            for name, value in _columns(details).items():
                setattr(user, name, value)
            after = _values(user)
            changes = [f"{name}: {before[name] or '—'} → {after[name] or '—'}"
                       for name in after if after[name] != before[name]]
            if not changes:
                return None  # nothing to write: the same values, so the commit changes nothing
            note = "; ".join(changes)
            audit.record("account_changed", admin, subject_user=user, note=note)
    except IntegrityError:  # another account took the phone number a moment ago
        _check_unique(None, details.phone, exclude=user.id)
        raise
    return note


def disable_account(admin: User, user: User) -> bool:
    """Disable the account and log its owner out everywhere, for real. False: it was already disabled."""
    if user.id == admin.id:
        raise OwnAccount
    with writing():
        if not user.active:
            return False
        user.active = False
        audit.record("account_disabled", admin, subject_user=user)
    end_sessions_of(user.id)
    return True


def enable_account(admin: User, user: User) -> bool:
    """Let the account sign in again. False: it was not disabled."""
    with writing():
        if user.active:
            return False
        user.active = True
        audit.record("account_enabled", admin, subject_user=user)
    return True


def reset_password(admin: User, user: User) -> str:
    """A new temporary password (returned, to be shown once); the owner's sessions end."""
    if user.id == admin.id:
        raise OwnAccount
    with writing():
        password = temporary_password()
        user.set_password(password)
        user.must_change_password = True
        audit.record("password_reset", admin, subject_user=user)
    end_sessions_of(user.id)
    return password


def change_own_password(user: User, new_password: str) -> None:
    """The owner's new password. Every session of the account ends; the caller starts a fresh one for
    the browser in use, so that a session left open elsewhere does not outlive the old password."""
    with writing():
        user.set_password(new_password)
        user.must_change_password = False
        audit.record("password_changed", user, subject_user=user)
    end_sessions_of(user.id)


def password_problem(password: str, user: User) -> str | None:
    """Why a new password is refused ("short", "username", "same"), or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    if password.strip().lower() == user.username.lower():
        return "username"
    if user.check_password(password):
        return "same"
    return None


def _check_unique(username: str | None, phone: str | None, exclude: int | None = None) -> None:
    def taken(condition) -> bool:
        query = sa.select(User.id).where(condition)
        if exclude is not None:
            query = query.where(User.id != exclude)
        return db.session.scalar(query.limit(1)) is not None

    if username and taken(User.username == username):
        raise DuplicateAccount("username")
    if phone and taken(User.phone == phone):
        raise DuplicateAccount("phone")


def _columns(details: AccountDetails) -> dict:
    """The columns to store: a district role has a district, a regional administrator a region,
    a national administrator neither; only operators have an office."""
    role = details.role
    return {
        "full_name": details.full_name, "phone": details.phone or None, "role": role,
        "district_id": details.district_id if role in DISTRICT_ROLES else None,
        "region_id": details.region_id if role == Role.REGIONAL_ADMIN else None,
        "office": details.office if role == Role.OPERATOR else None,
    }


def _values(user: User) -> dict[str, str | None]:
    """An account's settings as short text for audit notes (places by KATO code and Kazakh name)."""
    def place(model, id_):
        found = db.session.get(model, id_) if id_ else None
        return f"{found.kato_code} {found.name_kk}" if found else None
    return {
        "full_name": user.full_name, "phone": user.phone, "role": user.role.value,
        "district": place(District, user.district_id), "region": place(Region, user.region_id),
        "office": user.office.value if user.office else None,
    }


def _describe(values: dict) -> str:
    return "; ".join(f"{name}: {value}" for name, value in values.items() if value and name != "full_name")
