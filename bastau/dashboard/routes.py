"""Plan-vs-actual dashboards: country → region → district → cohort, trainer results, and their exports.

National administrators see everything; regional ones their region (starting at its page); chamber staff their
district (starting at its page); another area's page is 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from ..access import can_see, can_see_region
from ..clock import today
from ..extensions import db
from .. import formats
from ..i18n import tenge, whole_number
from ..models import Cohort, District, Region, Role
from ..web import render_page, role_required
from . import charts, export, figures
from .figures import COLUMNS, TRAINING_SIDE, Filters

bp = Blueprint("dashboard", __name__)
NATIONAL = (Role.NATIONAL_ADMIN,)
REGIONAL = (Role.NATIONAL_ADMIN, Role.REGIONAL_ADMIN)
LOCAL = (Role.NATIONAL_ADMIN, Role.REGIONAL_ADMIN, Role.CHAMBER_STAFF)
LANGUAGES = {"kk": _l("Kazakh"), "ru": _l("Russian")}
# Rows that count people: "funnel" context, because the same English words are also one person's status
# («Защищён» for a person, «Защитили бизнес-план: 2» for a count).
COLUMN_LABELS = {
    "applied": _l("Applied"),
    "confirmed": lazy_pgettext("funnel", "Target group confirmed"),
    "test_passed": lazy_pgettext("funnel", "Test passed"),
    "enrolled": _l("Enrolled"),
    "expelled": _l("Expelled"),
    "trained": _l("Trained"),
    "defended": lazy_pgettext("funnel", "Defended"),
    "completion": _l("Certificates of completion"),
    "participation": _l("Certificates of participation"),
    "referred": lazy_pgettext("funnel", "Referred for a loan"),
    "loans": _l("Loans issued"),
    "loan_sum": _l("Loans issued, tenge"),
    "opened": _l("Businesses opened"),
    "jobs": _l("Jobs created"),
}
SHARE_LABEL = _l("Trained who opened a business, %")
PLAN_LABEL = _l("Plan, people")
PERCENT_LABEL = _l("Trained as a share of the plan")
ATTENDANCE_LABEL = _l("Attendance rate, %")


# ---- request helpers ----

def _filters() -> Filters:
    this_year = today().year
    year = request.args.get("year", type=int)
    if year is None or not figures.FIRST_YEAR <= year <= this_year:
        year = this_year
    number = request.args.get("cohort", type=int)
    language = request.args.get("language")
    return Filters(year=year, cohort_number=number if number in range(1, 7) else None,
                   language=language if language in LANGUAGES else None)


def _args(filters: Filters) -> dict:
    args = {"year": filters.year}
    if filters.cohort_number:
        args["cohort"] = filters.cohort_number
    if filters.language:
        args["language"] = filters.language
    return args


def percent(value: float | None) -> str:
    return formats.percent(value, places=1)


def number(value: int | None) -> str:
    return "—" if value is None else whole_number(value)


def _region_for(region_id: int) -> Region:
    found = db.session.get(Region, region_id)
    if found is None or not can_see_region(current_user, found.id):
        abort(404)
    return found


def _district_for(district_id: int) -> District:
    found = db.session.get(District, district_id)
    if found is None or not can_see(current_user, found.id):
        abort(404)
    return found


# ---- tables as rows of plain values (shared by the page and the downloads) ----

def headers(first: str) -> list:
    return [first, *(COLUMN_LABELS[c] for c in COLUMNS), SHARE_LABEL, PLAN_LABEL, PERCENT_LABEL]


def plain(row) -> list:
    return [row.name, *(row.figures[c] for c in COLUMNS),
            None if row.opened_share is None else round(row.opened_share, 1), row.plan,
            None if row.plan_percent is None else round(row.plan_percent, 1)]


def _download(kind: str, head: list, body: list, name: str, place: str, what: str):
    """The table as a file: named and titled by the place and the table; `name` is the plain-ASCII fallback."""
    return export.download(kind, head, body, place=str(place), what=str(what), fallback=name)


def _wanted_format() -> str | None:
    kind = request.args.get("format")
    return kind if kind in ("csv", "xlsx") else None


def _figures_page(level: str, first: str, rows, total, filters: Filters, title: str, file_name: str, **context):
    kind = _wanted_format()
    if kind:
        return _download(kind, headers(first), [plain(r) for r in rows] + [plain(total)], file_name, title,
                         _("plan and results %(year)s", year=filters.year))
    # the parts only: the total, many times any part, would shrink every bar to a sliver (it has its headline)
    chart = charts.trained_vs_plan(
        rows, title=_("Trained against the plan"),
        description=_("Bars: people trained; dashed outline: the plan. The same numbers are in the table."),
        label=lambda r: (f"{r.name}: {number(r.figures['trained'])} / {number(r.plan)}"
                         + (f" ({percent(r.plan_percent)}{' ▲' if r.over_plan else ''})" if r.plan else "")))
    return render_page("dashboard/figures.html", level=level, first=first, rows=rows, total=total,
                       filters=filters, args=_args(filters), title=title, chart=chart, columns=COLUMNS,
                       training_side=TRAINING_SIDE, labels=COLUMN_LABELS, share_label=SHARE_LABEL,
                       plan_label=PLAN_LABEL, percent_label=PERCENT_LABEL, years=_years(), languages=LANGUAGES,
                       percent=percent, number=number, tenge=tenge, **context)


def _years() -> list[int]:
    return list(range(today().year, figures.FIRST_YEAR - 1, -1))


def _own_area(region_endpoint: str, district_endpoint: str):
    """Regional staff start at their region's page, chamber staff at their district's (same filters)."""
    if current_user.role == Role.REGIONAL_ADMIN:
        return redirect(url_for(region_endpoint, region_id=current_user.region_id, **request.args))
    if current_user.role == Role.CHAMBER_STAFF:
        return redirect(url_for(district_endpoint, district_id=current_user.district_id, **request.args))
    return None


# ---- pages ----

@bp.get("/dashboard")
@role_required(*LOCAL)
def index():
    """The country, a row per region (regional staff go to their region, chamber staff to their district)."""
    filters = _filters()
    if (own := _own_area(".region", ".district")) is not None:
        return own
    rows, total = figures.national(filters, str(_("Kazakhstan")))
    for row in rows:
        row.link = url_for(".region", region_id=row.key, **_args(filters))
    return _figures_page("national", _("Region"), rows, total, filters, _("Kazakhstan"),
                         f"bastau-{filters.year}", trainers_url=url_for(".trainers", **_args(filters)))


@bp.get("/dashboard/regions/<int:region_id>")
@role_required(*REGIONAL)
def region(region_id: int):
    place = _region_for(region_id)
    filters = _filters()
    rows, total = figures.region(place, filters)
    for row in rows:
        row.link = url_for(".district", district_id=row.key, **_args(filters))
    crumbs = [(_("Kazakhstan"), url_for(".index", **_args(filters)))] if current_user.role == Role.NATIONAL_ADMIN \
        else []
    return _figures_page("region", _("District"), rows, total, filters, place.name,
                         f"bastau-{filters.year}-{place.kato_code}", crumbs=crumbs,
                         trainers_url=url_for(".region_trainers", region_id=place.id, **_args(filters)))


@bp.get("/dashboard/districts/<int:district_id>")
@role_required(*LOCAL)
def district(district_id: int):
    place = _district_for(district_id)
    filters = _filters()
    rows, total = figures.district(place, filters, str(_("Not in a cohort yet")))
    for row in rows:
        row.link = url_for(".cohort", cohort_id=row.key) if row.key else None
    return _figures_page("district", _("Cohort"), rows, total, filters, place.name,
                         f"bastau-{filters.year}-{place.kato_code}", crumbs=_crumbs(place, filters),
                         trainers_url=url_for(".district_trainers", district_id=place.id, **_args(filters)))


def _crumbs(place: District, filters: Filters) -> list:
    crumbs = []
    if current_user.role == Role.NATIONAL_ADMIN:
        crumbs.append((_("Kazakhstan"), url_for(".index", **_args(filters))))
    if current_user.role in REGIONAL:
        crumbs.append((place.region.name, url_for(".region", region_id=place.region_id, **_args(filters))))
    return crumbs


@bp.get("/dashboard/cohorts/<int:cohort_id>")
@role_required(*LOCAL)
def cohort(cohort_id: int):
    group = db.session.get(Cohort, cohort_id)
    if group is None:
        abort(404)
    place = _district_for(group.district_id)
    filters = Filters(group.programme_year)
    row = figures.cohort(group)
    attendance = figures.attendance_rate([group.id])
    kind = _wanted_format()
    if kind:
        head = headers(_("Cohort")) + [ATTENDANCE_LABEL]
        body = [plain(row) + [None if attendance is None else round(attendance, 1)]]
        return _download(kind, head, body, f"bastau-{group.programme_year}-{place.kato_code}-{group.number}",
                         place.name, _("cohort %(number)s, %(year)s", number=group.number, year=group.programme_year))
    crumbs = _crumbs(place, filters) + [(place.name, url_for(".district", district_id=place.id, **_args(filters)))]
    return render_page("dashboard/cohort.html", group=group, place=place, row=row, attendance=attendance,
                       crumbs=crumbs, columns=COLUMNS, attendance_label=ATTENDANCE_LABEL, labels=COLUMN_LABELS,
                       share_label=SHARE_LABEL,
                       languages=LANGUAGES, percent=percent, number=number, tenge=tenge)


# ---- trainer results ----

TRAINER_HEADERS = (_l("Trainer"), _l("Cohorts"), _l("Participants"), _l("Completion rate, %"),
                   _l("Defence rate, %"), ATTENDANCE_LABEL)


def _trainers_page(rows, filters: Filters, title: str, back: str, file_name: str, **url_args):
    kind = _wanted_format()
    if kind:
        body = [[r.name, r.cohorts, r.participants, *(None if v is None else round(v, 1) for v in
                 (r.completion_rate, r.defence_rate, r.attendance_rate))] for r in rows]
        return _download(kind, list(TRAINER_HEADERS), body, file_name, title,
                         _("trainers' results %(year)s", year=filters.year))
    return render_page("dashboard/trainers.html", rows=rows, filters=filters, args=_args(filters), title=title,
                       back=back, headers=TRAINER_HEADERS, years=_years(), languages=LANGUAGES, percent=percent,
                       number=number, endpoint=request.endpoint, url_args=url_args)


@bp.get("/dashboard/trainers")
@role_required(*LOCAL)
def trainers():
    filters = _filters()
    if (own := _own_area(".region_trainers", ".district_trainers")) is not None:
        return own
    rows = figures.trainers(filters)
    return _trainers_page(rows, filters, _("Kazakhstan"), url_for(".index", **_args(filters)),
                          f"bastau-trainers-{filters.year}")


@bp.get("/dashboard/regions/<int:region_id>/trainers")
@role_required(*REGIONAL)
def region_trainers(region_id: int):
    place = _region_for(region_id)
    filters = _filters()
    rows = figures.trainers(filters, region_id=place.id)
    return _trainers_page(rows, filters, place.name, url_for(".region", region_id=place.id, **_args(filters)),
                          f"bastau-trainers-{filters.year}-{place.kato_code}", region_id=place.id)


@bp.get("/dashboard/districts/<int:district_id>/trainers")
@role_required(*LOCAL)
def district_trainers(district_id: int):
    place = _district_for(district_id)
    filters = _filters()
    rows = figures.trainers(filters, district_id=place.id)
    return _trainers_page(rows, filters, place.name, url_for(".district", district_id=place.id, **_args(filters)),
                          f"bastau-trainers-{filters.year}-{place.kato_code}", district_id=place.id)
