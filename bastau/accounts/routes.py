"""Staff accounts: everyone changes their own password; administrators manage the accounts of their area."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from .. import staff_search
from ..collation import by_name, name_contains
from ..forms import CHANNEL_LABELS
from ..extensions import db, limiter
from ..ids import as_id
from ..labels import ROLE_LABELS
from ..models import AuditEntry, Role, User
from ..web import render_page, role_required
from .forms import (
    ACTION_LABELS,
    DUPLICATE_MESSAGES,
    AccountFilter,
    AccountForm,
    PasswordChangeForm,
)
from .services import (
    DuplicateAccount,
    OwnAccount,
    change_account,
    change_own_password,
    create_account,
    disable_account,
    districts_for,
    enable_account,
    reset_password,
    users_for,
)

bp = Blueprint("accounts", __name__)  # two areas: /staff/password and /admin/users
ADMINS = (Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)
PAGE_SIZE = 50
HISTORY_SIZE = 20
OWN_ACCOUNT = _l("This is your own account: change your password on “My password”, "
                 "and ask another administrator to disable it.")


@bp.route("/staff/password", methods=["GET", "POST"])
@role_required(*Role)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"])
def change_password():
    """Change one's own password; a temporary one must be changed before anything else opens."""
    user = current_user._get_current_object()
    form = PasswordChangeForm(user)
    if form.validate_on_submit():
        change_own_password(user, form.new_password.data)
        # Every session of this account has just ended; this browser carries on under a new key.
        session.regenerate()
        login_user(user)
        return redirect(url_for("staff.home"))
    return render_page("accounts/password.html", form=form, forced=user.must_change_password,
                       status=422 if form.is_submitted() else 200)


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required(*ADMINS)
def users():
    """The account list. Its search is POSTed and kept under a key, so that a name or a phone number never sits
    in the address (bastau/staff_search.py)."""
    if request.method == "POST":
        return staff_search.posted_search(".users")
    moved = staff_search.text_out_of_address(".users")
    if moved is not None:
        return moved
    districts = districts_for(current_user)
    filters = AccountFilter(current_user, staff_search.filters_with_text(request.args), districts)
    filters.validate()
    query = _filtered(users_for(current_user), filters)
    page = max(1, min(request.args.get("page", 1, type=int), 100000))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    accounts = db.session.scalars(
        query.options(sa.orm.joinedload(User.district), sa.orm.joinedload(User.region))
        .order_by(by_name(User.full_name), User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_page("accounts/users.html", filters=filters, accounts=accounts, total=total, page=page,
                       pages=max(1, -(-total // PAGE_SIZE)), args=args, roles=ROLE_LABELS,
                       search_lost=staff_search.lost_notice(request.args))


def _filtered(query: sa.Select, filters: AccountFilter) -> sa.Select:
    """Search by name, username or phone; narrow by role and district (within the admin's area)."""
    if filters.role.data in {r.value for r in Role}:
        query = query.where(User.role == Role(filters.role.data))
    if (district_id := as_id(filters.district.data)) is not None:
        query = query.where(User.district_id == district_id)
    text = filters.q.data if not filters.q.errors else ""
    if text:
        conditions = [name_contains(User.search_name, text),  # case, Ё/Е, NFC: bastau.collation
                      User.username.contains(text.strip().lower(), autoescape=True)]
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 4:  # a phone number, typed in any of the usual ways (8 701 …, +7 701 …, 701 …)
            conditions.append(User.phone.contains(digits[1:] if len(digits) == 11 else digits, autoescape=True))
        query = query.where(sa.or_(*conditions))
    return query


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(*ADMINS)
def new_user():
    form = AccountForm(current_user)
    if form.validate_on_submit():
        try:
            account, password = create_account(current_user, form.username.data, form.details())
        except DuplicateAccount as duplicate:
            form[duplicate.field].errors = [DUPLICATE_MESSAGES[duplicate.field]]
            return render_page("accounts/new.html", form=form, status=409)
        return render_page("accounts/issued.html", account=account, password=password, created=True,
                           roles=ROLE_LABELS)
    return render_page("accounts/new.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def user(user_id: int):
    """One account: its settings (edit), a temporary password, disable or enable, and its history."""
    account = _account_or_404(user_id)
    form = AccountForm(current_user, account=account)
    if form.validate_on_submit():
        try:
            change_account(current_user, account, form.details())
        except DuplicateAccount as duplicate:
            form[duplicate.field].errors = [DUPLICATE_MESSAGES[duplicate.field]]
            return _account_page(account, form, status=409)
        return redirect(url_for(".user", user_id=account.id, saved=1))
    return _account_page(account, form, status=422 if form.is_submitted() else 200,
                         saved=request.method == "GET" and request.args.get("saved") == "1")


@bp.route("/admin/users/<int:user_id>/disable", methods=["GET", "POST"])
@role_required(*ADMINS)
def disable(user_id: int):
    """Disable an account: first a page naming the person and what they lose, then (confirmed) the owner is
    signed out everywhere at once. A POST that does not say `confirm` only shows that page."""
    account = _account_or_404(user_id)
    if account.id == current_user.id:
        return _account_page(account, AccountForm(current_user, account=account), status=409, problem=OWN_ACCOUNT)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_page("accounts/disable.html", account=account, roles=ROLE_LABELS, **_what_is_lost(account))
    try:
        done = disable_account(current_user, account)
    except OwnAccount:
        return _account_page(account, AccountForm(current_user, account=account), status=409, problem=OWN_ACCOUNT)
    flash(gettext("The account of %(name)s is disabled: they are signed out everywhere and cannot sign in.",
                  name=account.full_name) if done else gettext("This account was already disabled."))
    return redirect(url_for(".user", user_id=account.id))


@bp.post("/admin/users/<int:user_id>/enable")
@role_required(*ADMINS)
def enable(user_id: int):
    account = _account_or_404(user_id)
    if enable_account(current_user, account):
        flash(gettext("The account of %(name)s is enabled again: they can sign in with their password.",
                      name=account.full_name))
    return redirect(url_for(".user", user_id=account.id))


@bp.post("/admin/users/<int:user_id>/password", endpoint="reset_password")
@role_required(*ADMINS)
def reset(user_id: int):
    """A new temporary password, shown on this one page only (it is not kept anywhere readable)."""
    account = _account_or_404(user_id)
    try:
        password = reset_password(current_user, account)
    except OwnAccount:
        return _account_page(account, AccountForm(current_user, account=account), status=409, problem=OWN_ACCOUNT)
    return render_page("accounts/issued.html", account=account, password=password, created=False, roles=ROLE_LABELS)


def _what_is_lost(account: User) -> dict:
    """For the confirmation: on how many devices the person is signed in now, and (a trainer) how many cohorts
    they lead that have not finished, which will need another trainer."""
    from ..clock import today
    from ..models import Cohort, WebSession
    signed_in = db.session.scalar(sa.select(sa.func.count()).select_from(WebSession)
                                  .where(WebSession.user_id == account.id)) or 0
    cohorts = 0
    if account.role == Role.TRAINER:
        running = db.session.scalars(sa.select(Cohort).where(Cohort.trainer_id == account.id)).all()
        cohorts = sum(1 for cohort in running if cohort.start_date + timedelta(days=cohort.training_days * 2)
                      >= today())
    return {"signed_in": signed_in, "cohorts": cohorts}


def _account_or_404(user_id: int) -> User:
    """The account, if it is in the administrator's area; otherwise it does not exist for them."""
    account = db.session.scalar(users_for(current_user).where(User.id == user_id))
    if account is None:
        abort(404)
    return account


def _account_page(account: User, form: AccountForm, status: int = 200, **context):
    history = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.subject_user_id == account.id)
        .options(sa.orm.joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc()).limit(HISTORY_SIZE)).all()
    return render_page("accounts/user.html", account=account, form=form, history=history, status=status,
                       roles=ROLE_LABELS, offices=CHANNEL_LABELS, actions=ACTION_LABELS, **context)

