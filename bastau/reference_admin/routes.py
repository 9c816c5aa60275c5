"""National administrators keep the reference data the programme runs on: the MCI per year (with its law), public
holidays and transferred days per year, lenders, districts that close or are renamed; pass marks live with the
test (bastau/potential) and are linked from here.

Every page works the same way: GET shows, POST validates the form and calls a service; a refusal is shown next to
its field with everything typed kept.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import rules
from ..clock import today
from ..models import DayKind, Role
from ..reference import HOLIDAYS_MISSING, MCI_MISSING, NO_LENDER, reference_gaps
from ..web import render_page, role_required
from . import services
from .forms import (
    DAY_KIND_LABELS,
    CalendarDayForm,
    CloseDistrictForm,
    ConfirmForm,
    FillYearForm,
    LenderForm,
    MciForm,
    RenameDistrictForm,
)

bp = Blueprint("reference_admin", __name__, url_prefix="/admin/reference")
ADMIN = Role.NATIONAL_ADMIN

GAP_MESSAGES = {
    MCI_MISSING: _l("The MCI of %(year)s has not been entered yet: loans with a date in %(year)s cannot be referred."),
    HOLIDAYS_MISSING: _l("The public holidays of %(year)s have not been entered yet: schedules of %(year)s would "
                         "put training on holidays."),
    NO_LENDER: _l("No lender is active: no participant can be referred for a loan."),
}


def _refusal(form, refused: services.Refused) -> str | None:
    """A refusal about a field goes next to it; any other is shown above the form."""
    if refused.field and refused.field in form:
        form[refused.field].errors = [refused.message]
        return None
    return refused.message


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


def _weekday(day: date) -> str:
    return format_date(day, "EEEE")


@bp.get("")
@role_required(ADMIN)
def index():
    gaps = [str(GAP_MESSAGES[gap.kind]) % {"year": gap.year} for gap in reference_gaps(today())]
    return render_page("reference/index.html", gaps=gaps, year=today().year)


# ---- MCI ----

@bp.get("/mci")
@role_required(ADMIN)
def mci():
    rows = services.rates()
    known = {row.valid_from.year for row in rows}
    missing = [year for year in services.years_range(today()) if year not in known and year <= today().year + 1]
    return render_page("reference/mci.html", rows=rows, missing=missing, loan_cap=rules.loan_cap)


def _mci_page(form, original: date | None, status: int = 200, error=None):
    return render_page("reference/mci_form.html", form=form, original=original, error=error, status=status)


def _save_mci(form, original: date | None):
    if not form.validate_on_submit():
        return _mci_page(form, original, status=422 if form.errors else 200)
    try:
        services.save_rate(original, form.valid_from.data, form.amount.data, form.law.data, current_user, today())
    except services.Refused as refused:
        return _mci_page(form, original, status=409, error=_refusal(form, refused))
    flash(str(_l("The MCI from %(date)s is saved.", date=format_date(form.valid_from.data, "long"))))
    return redirect(url_for(".mci"))


@bp.route("/mci/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_mci():
    year = request.args.get("year", "")
    known = year.isascii() and year.isdigit() and int(year) in services.years_range(today())
    start = date(int(year), 1, 1) if known else None  # «add the MCI of 2027» starts on 1 January 2027
    return _save_mci(MciForm(data={"valid_from": start}), None)


@bp.route("/mci/<valid_from>", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_mci(valid_from: str):
    row = services.rate(_day(valid_from))
    return _save_mci(MciForm(data={"valid_from": row.valid_from, "amount": row.amount, "law": row.law}),
                     row.valid_from)


# ---- Public holidays and transferred days ----

def _year_or_404(year: int) -> int:
    if year not in services.years_range(today()):
        abort(404)
    return year


@bp.get("/calendar/<int:year>")
@role_required(ADMIN)
def calendar_year(year: int):
    return _calendar_page(_year_or_404(year))


def _calendar_page(year: int, status: int = 200, error=None):
    days = services.days_of(year)
    years = services.years_range(today())
    return render_page("reference/calendar.html", year=year, days=days, counts=services.calendar_years(),
                       years=years, kinds=DAY_KIND_LABELS, weekday=_weekday,
                       observed_off=rules.OBSERVED_REST_DAYS_ARE_DAYS_OFF, error=error, status=status)


def _day_page(form, year: int, original: date | None, status: int = 200, error=None):
    return render_page("reference/day_form.html", form=form, year=year, original=original, error=error,
                       status=status)


def _save_day(form, year: int, original: date | None):
    if not form.validate_on_submit():
        return _day_page(form, year, original, status=422 if form.errors else 200)
    try:
        saved = services.save_day(original, form.day.data, DayKind(form.kind.data), form.name_kk.data,
                                  form.name_ru.data, current_user, today())
    except services.Refused as refused:
        return _day_page(form, year, original, status=409, error=_refusal(form, refused))
    flash(str(_l("%(date)s is saved in the calendar.", date=format_date(saved.day, "long"))))
    return redirect(url_for(".calendar_year", year=saved.day.year, _anchor=f"day-{saved.day.isoformat()}"))


@bp.route("/calendar/<int:year>/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_day(year: int):
    _year_or_404(year)
    return _save_day(CalendarDayForm(data={"kind": DayKind.HOLIDAY.value}), year, None)


@bp.route("/calendar/day/<day>", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_day(day: str):
    row = services.calendar_day(_day(day))
    form = CalendarDayForm(data={"day": row.day, "kind": row.kind.value, "name_kk": row.name_kk,
                                 "name_ru": row.name_ru})
    return _save_day(form, row.day.year, row.day)


@bp.post("/calendar/day/<day>/remove")
@role_required(ADMIN)
def remove_day(day: str):
    found = _day(day)
    if not ConfirmForm().validate_on_submit():  # not the page's button (400 is kept for a missing CSRF token)
        return _calendar_page(found.year, status=422)
    services.remove_day(found, current_user)
    flash(str(_l("%(date)s is taken out of the calendar.", date=format_date(found, "long"))))
    return redirect(url_for(".calendar_year", year=found.year))


@bp.post("/calendar/<int:year>/fill")
@role_required(ADMIN)
def fill_year(year: int):
    """Fill a year with no days yet from the Kazakhstan calendar of the `holidays` package."""
    _year_or_404(year)
    form = FillYearForm()
    if not form.validate_on_submit() or form.year.data != str(year):
        return _calendar_page(year, status=422)
    try:
        added = services.fill_year(year, current_user, today())
    except services.Refused as refused:
        return _calendar_page(year, status=409, error=refused.message)
    flash(str(_l("%(year)s is filled from the Kazakhstan calendar: %(count)s days. Check them and add the "
                 "transfers the government announces.", year=year, count=added)))
    return redirect(url_for(".calendar_year", year=year))


# ---- Lenders ----

@bp.get("/lenders")
@role_required(ADMIN)
def lenders():
    return render_page("reference/lenders.html", rows=services.all_lenders())


def _lender_page(form, original: str | None, status: int = 200, error=None):
    return render_page("reference/lender_form.html", form=form, original=original, error=error, status=status)


def _save_lender(form, original: str | None):
    if not form.validate_on_submit():
        return _lender_page(form, original, status=422 if form.errors else 200)
    try:
        saved = services.save_lender(original, form.code.data if form.code else None, form.name_kk.data,
                                     form.name_ru.data, form.position.data, current_user)
    except services.Refused as refused:
        return _lender_page(form, original, status=409, error=_refusal(form, refused))
    flash(str(_l("The lender is saved: %(name)s.", name=saved.name)))
    return redirect(url_for(".lenders"))


@bp.route("/lenders/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_lender():
    return _save_lender(LenderForm(), None)


@bp.route("/lenders/<code>", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_lender(code: str):
    row = services.lender(code)
    form = LenderForm(new=False, data={"name_kk": row.name_kk, "name_ru": row.name_ru, "position": row.position})
    return _save_lender(form, row.code)


@bp.post("/lenders/<code>/active")
@role_required(ADMIN)
def lender_active(code: str):
    """Offer a lender for new referrals again, or stop offering it (lenders are never deleted)."""
    wanted = request.form.get("active")
    if wanted not in ("0", "1") or not ConfirmForm().validate_on_submit():
        return render_page("reference/lenders.html", rows=services.all_lenders(), status=422)
    services.set_lender_active(code, wanted == "1", current_user)
    return redirect(url_for(".lenders", _anchor=f"lender-{code}"))


# ---- Districts ----

@bp.get("/districts")
@role_required(ADMIN)
def districts():
    regions = services.regions()
    chosen = request.args.get("region", "")
    region = next((r for r in regions if str(r.id) == chosen), None)
    return render_page("reference/districts.html", regions=regions, region=region, today=today(),
                       rows=services.districts_of(region.id) if region else [])


def _district_page(district_id: int, status: int = 200, error=None, **forms):
    found = services.district(district_id)
    forms.setdefault("close_form", CloseDistrictForm(formdata=None, data={"closed_from": today()}))
    forms.setdefault("rename_form", RenameDistrictForm(formdata=None, data={"renamed_on": today(),
                                                                            "name_kk": found.name_kk,
                                                                            "name_ru": found.name_ru}))
    return render_page("reference/district.html", district=found, today=today(), error=error, status=status,
                       **forms)


@bp.get("/districts/<int:district_id>")
@role_required(ADMIN)
def district(district_id: int):
    return _district_page(district_id)


def _district_change(district_id: int, form, form_name: str, change, done_message):
    if not form.validate_on_submit():
        return _district_page(district_id, status=422, **{form_name: form})
    try:
        change(form)
    except services.Refused as refused:
        return _district_page(district_id, status=409, error=_refusal(form, refused), **{form_name: form})
    flash(str(done_message))
    return redirect(url_for(".district", district_id=district_id))


@bp.post("/districts/<int:district_id>/close")
@role_required(ADMIN)
def close_district(district_id: int):
    """Close a district to new applications from a day on (merged or abolished)."""
    return _district_change(district_id, CloseDistrictForm(), "close_form", lambda form: services.close_district(
        district_id, form.closed_from.data, current_user, today()), _l("The closing of the district is saved."))


@bp.post("/districts/<int:district_id>/reopen")
@role_required(ADMIN)
def reopen_district(district_id: int):
    if not ConfirmForm().validate_on_submit():
        return _district_page(district_id, status=422)
    try:
        services.reopen_district(district_id, current_user)
    except services.Refused as refused:
        return _district_page(district_id, status=409, error=refused.message)
    flash(str(_l("The district takes new applications again.")))
    return redirect(url_for(".district", district_id=district_id))


@bp.post("/districts/<int:district_id>/rename")
@role_required(ADMIN)
def rename_district(district_id: int):
    """A new name; the old one stays on the applications made before it."""
    return _district_change(district_id, RenameDistrictForm(), "rename_form", lambda form: services.rename_district(
        district_id, form.name_kk.data, form.name_ru.data, form.renamed_on.data, current_user, today()),
        _l("The new name of the district is saved."))
