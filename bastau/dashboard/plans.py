"""Yearly plans (blueprint plan_admin): who sets how many people the programme trains, and where.

National administrators set a year's national plan and the regions' plans; regional administrators set the
plans of their own region's districts (national administrators may too). Another region is 404 to a regional
administrator; other roles are refused (403). Each table can also be downloaded as an XLSX template and
uploaded back. Every page works without JavaScript.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..clock import today
from ..models import Role
from ..web import body_too_large, render_page, role_required, too_many_parts
from . import plan_services as plans
from .plan_forms import UploadForm, YearPicker

bp = Blueprint("plan_admin", __name__, url_prefix="/yearly-plans")
ADMINS = (Role.NATIONAL_ADMIN, Role.REGIONAL_ADMIN)
NATIONAL = (Role.NATIONAL_ADMIN,)
REQUEST_SLACK = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOADS = {"plan_admin.national_upload", "plan_admin.region_upload"}


def _limit_request_size() -> None:
    """Cap uploads before anything reads the body (CSRF protection reads the form first)."""
    if request.endpoint in UPLOADS:
        request.max_content_length = plans.MAX_UPLOAD_BYTES + REQUEST_SLACK


@bp.record_once
def _install(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _limit_request_size)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    if not current_user.is_authenticated or current_user.role not in ADMINS:
        abort(403)
    year = _year((request.view_args or {}).get("year"))
    region_id = (request.view_args or {}).get("region_id")
    refused = plans.PlanRefused(_("The file is larger than 1 MB: upload the template with the plans only.")
                                if body_too_large() else too_many_parts())  # thousands of form parts: not the file
    if region_id is None:
        if current_user.role != Role.NATIONAL_ADMIN:
            abort(403)
        return _national_page(year, refused, status=413)
    return _region_page(year, region_id, refused, status=413)


def _year(value) -> int:
    """A year the plans may be set for, else 404."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        abort(404)
    if year not in plans.years():
        abort(404)
    return year


def _picker(year: int, region_id: int | None = None) -> YearPicker:
    picker = YearPicker(formdata=None).offer(plans.years(), year)
    picker.region.data = region_id
    return picker


def _national_page(year: int, refused: plans.PlanRefused | None = None, status: int = 200):
    table = refused.table if refused and refused.table else plans.national_table(year)
    return render_page("dashboard/plans.html", status=status, year=year, table=table, picker=_picker(year),
                       as_number=plans.as_number,
                       sums=plans.district_sums(year), upload=UploadForm(formdata=None), refused=refused,
                       template_url=url_for(".national_template", year=year),
                       upload_url=url_for(".national_upload", year=year), code=plans.NATIONAL_CODE)


def _region_page(year: int, region_id: int, refused: plans.PlanRefused | None = None, status: int = 200):
    region = plans.region_in_area(current_user, region_id)
    table = refused.table if refused and refused.table else plans.region_table(year, region)
    return render_page("dashboard/plans_region.html", status=status, year=year, region=region, table=table,
                       as_number=plans.as_number,
                       picker=_picker(year, region.id), upload=UploadForm(formdata=None), refused=refused,
                       template_url=url_for(".region_template", year=year, region_id=region.id),
                       upload_url=url_for(".region_upload", year=year, region_id=region.id),
                       national=current_user.role == Role.NATIONAL_ADMIN)


def _saved(changed: int) -> None:
    flash(ngettext("Saved: %(num)d plan changed.", "Saved: %(num)d plans changed.", changed) if changed
          else _("Nothing was changed."))


def _file_bytes() -> bytes | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(plans.MAX_UPLOAD_BYTES + 1)


@bp.get("/")
@role_required(*ADMINS)
def index():
    """The year picker and, for national administrators, the national table."""
    picker = YearPicker(request.args)
    year = picker.year.data if picker.year.data in plans.years() else today().year
    if current_user.role == Role.REGIONAL_ADMIN:
        return redirect(url_for(".region", year=year, region_id=current_user.region_id))
    region_id = picker.region.data
    if region_id:
        return redirect(url_for(".region", year=year, region_id=region_id))
    return _national_page(year)


@bp.post("/<int:year>")
@role_required(*NATIONAL)
def save_national(year: int):
    year = _year(year)
    try:
        changed = plans.save_national(current_user, year, request.form)
    except plans.PlanRefused as refused:
        return _national_page(year, refused, status=422)
    _saved(changed)
    return redirect(url_for(".index", year=year))


@bp.get("/<int:year>/template.xlsx")
@role_required(*NATIONAL)
def national_template(year: int):
    year = _year(year)
    data = plans.template_xlsx(plans.national_table(year))
    return _xlsx(data, f"bastau-plan-{year}.xlsx")


@bp.post("/<int:year>/upload")
@role_required(*NATIONAL)
def national_upload(year: int):
    year = _year(year)
    data = _file_bytes()
    try:
        if data is None:
            raise plans.PlanRefused(_("Choose the filled-in template (.xlsx)."))
        changed = plans.upload_national(current_user, year, data)
    except plans.PlanRefused as refused:
        return _national_page(year, refused, status=422)
    _saved(changed)
    return redirect(url_for(".index", year=year))


@bp.get("/<int:year>/regions/<int:region_id>")
@role_required(*ADMINS)
def region(year: int, region_id: int):
    return _region_page(_year(year), region_id)


@bp.post("/<int:year>/regions/<int:region_id>")
@role_required(*ADMINS)
def save_region(year: int, region_id: int):
    year = _year(year)
    plans.region_in_area(current_user, region_id)
    try:
        changed = plans.save_region(current_user, year, region_id, request.form)
    except plans.PlanRefused as refused:
        return _region_page(year, region_id, refused, status=422)
    _saved(changed)
    return redirect(url_for(".region", year=year, region_id=region_id))


@bp.get("/<int:year>/regions/<int:region_id>/template.xlsx")
@role_required(*ADMINS)
def region_template(year: int, region_id: int):
    year = _year(year)
    region = plans.region_in_area(current_user, region_id)
    data = plans.template_xlsx(plans.region_table(year, region))
    return _xlsx(data, f"bastau-plan-{year}-{region.kato_code}.xlsx")


@bp.post("/<int:year>/regions/<int:region_id>/upload")
@role_required(*ADMINS)
def region_upload(year: int, region_id: int):
    year = _year(year)
    plans.region_in_area(current_user, region_id)
    data = _file_bytes()
    try:
        if data is None:
            raise plans.PlanRefused(_("Choose the filled-in template (.xlsx)."))
        changed = plans.upload_region(current_user, year, region_id, data)
    except plans.PlanRefused as refused:
        return _region_page(year, region_id, refused, status=422)
    _saved(changed)
    return redirect(url_for(".region", year=year, region_id=region_id))


def _xlsx(data: bytes, name: str):
    import io
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response
