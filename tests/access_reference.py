"""Access table: the reference screens of national administrators (MCI, calendar, lenders, districts)."""
from bastau.clock import today
from tests.access import Route

ROOT = "/admin/reference"


def _route(method: str, path) -> Route:
    """Reference data is the whole country's: no area to be outside of."""
    return Route(method, path if callable(path) else (lambda w, p=path: p), area_bound=False)


ROUTES = {
    "reference_admin.index": _route("GET", ROOT),
    "reference_admin.mci": _route("GET", f"{ROOT}/mci"),
    "reference_admin.new_mci": _route("POST", f"{ROOT}/mci/new"),
    "reference_admin.edit_mci": _route("POST", f"{ROOT}/mci/2026-01-01"),
    "reference_admin.calendar_year": _route("GET", lambda w: f"{ROOT}/calendar/{today().year}"),
    "reference_admin.new_day": _route("POST", lambda w: f"{ROOT}/calendar/{today().year}/new"),
    "reference_admin.edit_day": _route("POST", f"{ROOT}/calendar/day/2026-03-08"),
    "reference_admin.remove_day": _route("POST", f"{ROOT}/calendar/day/2026-03-08/remove"),  # no confirm: 422
    "reference_admin.fill_year": _route("POST", lambda w: f"{ROOT}/calendar/{today().year}/fill"),  # no year: 422
    "reference_admin.lenders": _route("GET", f"{ROOT}/lenders"),
    "reference_admin.new_lender": _route("POST", f"{ROOT}/lenders/new"),
    "reference_admin.edit_lender": _route("POST", f"{ROOT}/lenders/damu"),
    "reference_admin.lender_active": _route("POST", f"{ROOT}/lenders/damu/active"),  # no choice: 422
    "reference_admin.districts": _route("GET", f"{ROOT}/districts"),
    "reference_admin.district": _route("GET", lambda w: f"{ROOT}/districts/{w['district_id']}"),
    "reference_admin.close_district": _route("POST", lambda w: f"{ROOT}/districts/{w['district_id']}/close"),
    "reference_admin.reopen_district": _route("POST", lambda w: f"{ROOT}/districts/{w['district_id']}/reopen"),
    "reference_admin.rename_district": _route("POST", lambda w: f"{ROOT}/districts/{w['district_id']}/rename"),
}
