"""Staff sign-in and the front-desk operator's pages (assisted applications)."""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import kept_forms, notices, withdrawal
from ..accounts import signin
from ..access import applications_for
from ..apply.services import earlier_applications
from ..centre.forms import RejectForm
from ..clock import kz_midnight_utc, today
from ..extensions import db, limiter, login_manager
from ..lifecycle import WITHDRAWERS
from ..labels import ACTION_LABELS, ALL_REASON_LABELS, ROLE_LABELS, STATUS_LABELS
from ..models import Application, Role, Status, User
from ..refusals import Refused
from ..sessions import clear_site_data, signed_in_user
from ..urls import safe_next
from ..web import render_page, role_required, try_again_in

bp = Blueprint("staff", __name__, url_prefix="/staff")
login_manager.login_view = "staff.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.session_protection = None  # server-side sessions already end for real


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return signed_in_user(session, int(user_id)) or db.session.get(User, int(user_id))


OPEN_WITH_TEMPORARY_PASSWORD = {"accounts.change_password", "staff.logout", "assets.serve", "i18n.switch"}


@bp.before_app_request
def require_own_password():
    """A temporary password (new account, reset by an administrator) opens only the page that changes it."""
    endpoint = request.endpoint
    if not endpoint or endpoint in OPEN_WITH_TEMPORARY_PASSWORD or endpoint.startswith("home."):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None


class LoginForm(FlaskForm):
    login = StringField(_l("Username or phone"), validators=[DataRequired(message=_l("Fill in this field."))],
                        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": 60})
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Fill in this field."))],
                             render_kw={"autocomplete": "current-password", "maxlength": 200})


def _paused(limit, for_the_username: bool = False):
    """Too many failed sign-ins: the form again (the username kept), when to try again, in the person's language.
    The same page whether or not the username exists (bastau/accounts/signin.py)."""
    again, wait = try_again_in(limit.reset_at)
    reason = _l("Too many wrong passwords for this username. Other staff can still sign in here.") \
        if for_the_username else None
    response = render_page("staff/login.html", form=LoginForm(), status=429, paused=again, paused_reason=reason)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.errorhandler(429)
def _too_many(error):
    from ..errors import error_page
    response = getattr(error, "response", None)
    return response if response is not None else error_page(429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], deduct_when=signin.failed,
               on_breach=_paused)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_LIMIT"], key_func=signin.account_key, methods=["POST"],
               deduct_when=signin.failed, on_breach=partial(_paused, for_the_username=True))
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = signin.signed_in_user(form.login.data, form.password.data)
        if user is not None:
            kept = kept_forms.carry()  # forms kept when the sign-in ran out (bastau/kept_forms.py)
            session.clear()
            session.regenerate()
            login_user(user)
            kept_forms.put_back(kept)
            return signin.remember_browser(redirect(safe_next(request.args.get("next"), url_for(".home"))))
        return render_page("staff/login.html", form=form, status=signin.WRONG_CREDENTIALS,
                           error=_l("Wrong username or password, or the account is disabled."))
    return render_page("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out, and clear what this browser keeps of the site (bastau/sessions.py: clear_site_data)."""
    logout_user()
    session.end()
    return clear_site_data(redirect(url_for(".login")), keeps_unsent_marks=bool(request.form.get("unsent")))


@bp.get("/")
@role_required(*Role)
def home():
    """The operator's desk: start an application, and what was entered today."""
    if current_user.role == Role.TRAINER:  # on a phone, one tap less: straight to today's session
        return redirect(url_for("trainer.cohorts"))
    if current_user.role != Role.OPERATOR:
        return render_page("staff/home.html", applications=[], roles=ROLE_LABELS,
                           waiting=_waiting_counts(current_user), notices=notices.for_desk(current_user),
                           notice_text=notices.text, notice_link=notices.link)
    entered = db.session.scalars(
        applications_for(current_user).where(Application.entered_by_id == current_user.id,
                                             Application.created_at >= kz_midnight_utc(today()))
        .order_by(Application.id.desc()).limit(100)).all()
    return render_page("staff/home.html", applications=entered, roles=ROLE_LABELS, labels=STATUS_LABELS)


def _waiting_counts(user: User) -> dict[str, int]:
    """What waits for this person's decision, for the links on their desk."""
    if user.role == Role.CENTRE_OFFICER:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(
            applications_for(user).where(Application.status == Status.SUBMITTED).subquery()))
        return {"submitted": count}
    return {}


@bp.get("/applications/<int:application_id>")
@role_required(Role.OPERATOR, Role.CENTRE_OFFICER, Role.CHAMBER_STAFF, Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN)
def application(application_id: int):
    found = db.session.scalar(applications_for(current_user).where(Application.id == application_id))
    if found is None:
        abort(404)
    return _application_page(found, withdraw_form=withdrawal.StaffWithdrawForm(formdata=None))


def _application_page(found: Application, status: int = 200, **context):
    return render_page("staff/application.html", application=found, earlier=earlier_applications(found),
                       labels=STATUS_LABELS, roles=ROLE_LABELS, actions=ACTION_LABELS,
                       reasons={**ALL_REASON_LABELS, **withdrawal.REASON_LABELS}, reject=RejectForm(), Status=Status,
                       may_withdraw=current_user.role.value in WITHDRAWERS and withdrawal.can_withdraw(found),
                       status=status, **context)


@bp.post("/applications/<int:application_id>/withdraw")
@role_required(Role.OPERATOR, Role.CENTRE_OFFICER, Role.CHAMBER_STAFF)
def withdraw(application_id: int):
    """Record a withdrawal the person asked for, with the reason they gave."""
    found = db.session.scalar(applications_for(current_user).where(Application.id == application_id))
    if found is None:
        abort(404)
    form = withdrawal.StaffWithdrawForm()
    if not form.validate_on_submit():
        return _application_page(found, status=422, withdraw_form=form)
    try:
        withdrawal.withdraw(found.id, by=current_user, reason=form.reason.data, note=form.note.data)
    except Refused as refused:
        found = db.session.get(Application, application_id)
        return _application_page(found, status=409, withdraw_form=form, withdraw_error=refused.message)
    flash(_l("The withdrawal is recorded."))
    return redirect(url_for(".application", application_id=application_id))
