"""Business plans: participants (or their trainer) upload them; the right people download them.

A participant is known by the status look-up (session key "status_application_id"); a trainer uploads for the
participants of their own cohorts. Downloads go to the participant, their trainer, and the chamber staff and
commission members of the participant's district; to everyone else a plan does not exist (404), and other
staff roles are refused (403). Every page works without JavaScript.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from .. import disk_full
from ..extensions import db
from ..labels import ROLE_LABELS, STATUS_LABELS
from ..models import Application, Role
from ..web import (OPENED, body_too_large, keep_start_of_body, render_page, role_required, start_of_body,
                   too_many_parts)
from . import services
from .forms import ACCEPT, SECTOR_LABELS, PlanForm
from .storage import plan_storage

bp = Blueprint("plans", __name__)
TRAINER = (Role.TRAINER,)
READERS = services.READERS
# A whole request may be the file plus the form's few fields; anything larger is refused before it is read.
REQUEST_SLACK = 256 * 1024
RENEWED = _l("For your safety the page was renewed. Choose the file again and press Upload.")


def _limit_request_size() -> None:
    """Cap upload requests before anything reads the body (CSRF protection reads the form first)."""
    if request.blueprint == bp.name and request.method == "POST":
        request.max_content_length = services.MAX_REQUEST_BYTES + REQUEST_SLACK
        keep_start_of_body(FIELDS_READ_AT_MOST)  # what was typed, should the form be refused as too large


@bp.record_once
def _install(state) -> None:
    # First of the app's before-request functions, so that it runs before CSRFProtect parses the form.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _limit_request_size)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """An oversized upload gets the form again with the reason in the page's language, not a bare 413, and with
    what was typed: the summary fields come before the file in the form, so they are read from the body's start."""
    fields, first_file = _fields_before_the_file()
    form = PlanForm(formdata=fields)
    # Only the first file's name is known: a document says it is too big, photos say they are together.
    photo = first_file is not None and first_file.lower().endswith((".jpg", ".jpeg", ".png"))
    form.plan.errors = [services.PHOTOS_TOO_BIG if photo else services.TOO_BIG if first_file else
                        services.TOO_BIG_REQUEST]
    if not body_too_large():  # thousands of form parts, not a big file: say that
        form.plan.errors = [too_many_parts()]
    application_id = (request.view_args or {}).get("application_id")
    if application_id is not None and current_user.is_authenticated and current_user.role in TRAINER:
        application = _readable_or_404(application_id)
        return _upload_page(form, application, staff=True, status=413)
    application = _participant()
    if application is None:
        abort(404)
    return _upload_page(form, application, staff=False, status=413)


FIELDS_READ_AT_MOST = 64 * 1024


def _fields_before_the_file() -> tuple[MultiDict, str | None]:
    """The form fields sent before the first file of a body too large to take (never the file itself), and that
    file's name."""
    from werkzeug.http import parse_options_header
    from werkzeug.sansio.multipart import Data, Field, File, MultipartDecoder, NeedData

    kind, options = parse_options_header(request.headers.get("Content-Type", ""))
    boundary = options.get("boundary", "")
    fields: MultiDict = MultiDict()
    if kind != "multipart/form-data" or not boundary:
        return fields, None
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_form_memory_size=FIELDS_READ_AT_MOST)
    kept = start_of_body()
    stream = io.BytesIO(kept) if kept is not None else request.environ.get("wsgi.input")
    read, name, value = 0, None, b""
    try:
        while stream is not None and read < FIELDS_READ_AT_MOST:
            chunk = stream.read(min(16 * 1024, FIELDS_READ_AT_MOST - read))
            if not chunk:
                break
            read += len(chunk)
            decoder.receive_data(chunk)
            while (event := decoder.next_event()) is not None and not isinstance(event, NeedData):
                if isinstance(event, File):
                    return fields, event.filename or ""
                if isinstance(event, Field):
                    name, value = event.name, b""
                elif isinstance(event, Data) and name is not None:
                    value += event.data
                    if not event.more_data:
                        fields.add(name, value.decode("utf-8", "replace"))
                        name = None
            if isinstance(event, NeedData) and read >= FIELDS_READ_AT_MOST:
                break
    except (ValueError, OSError, RequestEntityTooLarge):  # a broken body: nothing more to keep
        pass
    return fields, None


# ---- Shared ----

def _size(size: int) -> str:
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return _("%(size)s MB", size=format_decimal(round(size / 1024 / 1024, 1)))


def _versions_context(application: Application) -> dict:
    plans = services.versions(application.id)
    return {"plans": plans, "uploaders": services.uploaders(plans), "role_labels": ROLE_LABELS,
            "sectors": SECTOR_LABELS, "file_size": _size}


def _upload_page(form: PlanForm, application: Application, staff: bool, status: int = 200, **context):
    return render_page("plans/upload.html", form=form, application=application, staff=staff,
                       open=services.can_upload(application), closed=services.CLOSED, status=status,
                       max_bytes=services.MAX_BYTES, max_photos=services.MAX_PHOTOS,
                       max_photos_bytes=services.MAX_PHOTOS_BYTES, accept=ACCEPT, messages=BROWSER_MESSAGES,
                       **_versions_context(application), **context)


# What the page's script says before anything is sent (the same words the server would answer with).
BROWSER_MESSAGES = {"too_big": services.TOO_BIG, "old_word": services.OLD_WORD, "not_accepted": services.NOT_ACCEPTED,
                    "photos_only": services.PHOTOS_ONLY, "too_many": services.TOO_MANY_PHOTOS,
                    "photos_too_big": services.PHOTOS_TOO_BIG, "empty": services.EMPTY}


def _receive(form: PlanForm, scope, application: Application, actor):
    """Validate, store; returns the new plan or None (the errors are on the form)."""
    valid = form.validate_on_submit()
    chosen = [file for file in request.files.getlist(form.plan.name) if file and file.filename]
    if not chosen:
        form.plan.errors = [*form.plan.errors, services.NO_FILE]
        valid = False
    if not valid:
        return None
    try:
        if len(chosen) > 1:  # photos of the pages, in the order chosen: one PDF
            return services.upload(scope, application.id, actor, f"{_('Business plan')}.pdf", None,
                                   form.summary(), plan_storage(),
                                   photos=[(file.filename, file.stream) for file in chosen])
        return services.upload(scope, application.id, actor, chosen[0].filename, chosen[0].stream, form.summary(),
                               plan_storage())
    except services.Refused as refused:
        form.plan.errors = [*form.plan.errors, refused.message]
    except Exception as error:
        if not disk_full.is_disk_full(error):
            raise
        # The file and the row were undone (services.upload); the page with the summary kept says to come back.
        disk_full.remember()
        current_app.logger.error("disk full while storing a business plan: %s", error)
        form.plan.errors = [*form.plan.errors, services.NO_ROOM]
    return None


def _refused_status(form: PlanForm) -> int:
    """422 for a file or summary to correct; 503 (try later) when only the disk was full."""
    return 503 if services.NO_ROOM in form.plan.errors else 422


def _send(plan) -> object:
    try:
        handle = plan_storage().open(plan.stored_name)
    except FileNotFoundError:
        current_app.logger.error("business plan file missing: %s", plan.stored_name)
        abort(404)
    response = send_file(handle, mimetype=plan.content_type, as_attachment=True,
                         download_name=services.download_name(plan), conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.content_length = plan.size
    return response


# ---- The participant ----

def _participant() -> Application | None:
    application_id = session.get(OPENED)
    return db.session.scalar(services.applications_of_participant(application_id)) if application_id else None


@bp.route("/plans/upload", methods=["GET", "POST"])
def upload():
    application = _participant()
    if application is None:
        return redirect(url_for("status.lookup"))
    form = PlanForm()
    if request.method == "GET":
        form.fill_from(services.latest(application.id))
        return _upload_page(form, application, staff=False, status=200 if services.can_upload(application) else 403)
    if not services.can_upload(application):
        return _upload_page(form, application, staff=False, status=403)
    plan = _receive(form, services.applications_of_participant(application.id), application, None)
    if plan is not None:
        flash(_("Your business plan is saved (version %(version)d).", version=plan.version))
        return redirect(url_for("status.view"))
    return _upload_page(form, application, staff=False, status=_refused_status(form))


upload.on_csrf_error = lambda: _renewed(staff=False)


@bp.get("/plans/mine/<int:version>")
def download_own(version: int):
    application_id = session.get(OPENED)
    plan = services.version_of(services.applications_of_participant(application_id), application_id or 0, version)
    if plan is None:
        abort(404)
    return _send(plan)


# ---- Staff ----

def _readable_or_404(application_id: int) -> Application:
    application = db.session.scalar(services.applications_readable_by(current_user)
                                    .where(Application.id == application_id))
    if application is None:
        abort(404)
    return application


@bp.get("/plans/applications/<int:application_id>")
@role_required(*READERS)
def application(application_id: int):
    found = _readable_or_404(application_id)
    return render_page("plans/application.html", application=found, labels=STATUS_LABELS, staff=True,
                       can_upload=current_user.role == Role.TRAINER and services.can_upload(found),
                       **_versions_context(found))


@bp.route("/plans/applications/<int:application_id>/upload", methods=["GET", "POST"])
@role_required(*TRAINER)
def upload_for(application_id: int):
    found = _readable_or_404(application_id)
    form = PlanForm()
    if request.method == "GET":
        form.fill_from(services.latest(found.id))
        return _upload_page(form, found, staff=True, status=200 if services.can_upload(found) else 403)
    if not services.can_upload(found):
        return _upload_page(form, found, staff=True, status=403)
    plan = _receive(form, services.applications_readable_by(current_user), found, current_user)
    if plan is not None:
        flash(_("The business plan is saved (version %(version)d).", version=plan.version))
        return redirect(url_for(".application", application_id=found.id))
    return _upload_page(form, found, staff=True, status=_refused_status(form))


upload_for.on_csrf_error = lambda: _renewed(staff=True)


@bp.get("/plans/applications/<int:application_id>/versions/<int:version>")
@role_required(*READERS)
def download(application_id: int, version: int):
    plan = services.version_of(services.applications_readable_by(current_user), application_id, version)
    if plan is None:
        abort(404)
    return _send(plan)


def _renewed(staff: bool):
    """An expired form: show it again (without the file, which the browser cannot keep) and say why."""
    if staff:
        if not (current_user.is_authenticated and current_user.role in TRAINER):
            abort(403)
        found = _readable_or_404((request.view_args or {}).get("application_id", 0))
    else:
        found = _participant()
        if found is None:
            return redirect(url_for("status.lookup"))
    return _upload_page(PlanForm(formdata=request.form), found, staff=staff, status=400, notice=RENEWED)


@bp.app_template_global()
def plan_versions(application: Application) -> list:
    """For the status page: the participant's plan versions, newest first."""
    return services.versions(application.id)


@bp.app_template_global()
def plan_upload_open(application: Application) -> bool:
    return services.can_upload(application)
