"""Access table: yearly plans (issue 6). National administrators set the national and regional plans; regional
administrators the district plans of their own region (another region: 404). Posting only a CSRF token answers 422
(an empty national plan, a region without a plan, no file): the route was reached."""
from tests.access import Route


def _year() -> int:
    from bastau.clock import today
    return today().year


ROUTES = {
    "plan_admin.index": Route("GET", lambda w: "/yearly-plans/", area_bound=False),
    "plan_admin.save_national": Route("POST", lambda w: f"/yearly-plans/{_year()}", area_bound=False),
    "plan_admin.national_template": Route("GET", lambda w: f"/yearly-plans/{_year()}/template.xlsx", area_bound=False),
    "plan_admin.national_upload": Route("POST", lambda w: f"/yearly-plans/{_year()}/upload", area_bound=False),
    "plan_admin.region": Route("GET", lambda w: f"/yearly-plans/{_year()}/regions/{w['region_id']}"),
    "plan_admin.save_region": Route("POST", lambda w: f"/yearly-plans/{_year()}/regions/{w['region_id']}"),
    "plan_admin.region_template": Route(
        "GET", lambda w: f"/yearly-plans/{_year()}/regions/{w['region_id']}/template.xlsx"),
    "plan_admin.region_upload": Route("POST", lambda w: f"/yearly-plans/{_year()}/regions/{w['region_id']}/upload"),
}
