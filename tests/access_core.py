"""Access table: staff home, operator, employment centre and chamber routes."""
from tests.access import Route

ROUTES = {
    "staff.home": Route("GET", lambda w: "/staff/", area_bound=False),
    "staff.application": Route("GET", lambda w: f"/staff/applications/{w['application_id']}"),
    "apply.next_applicant": Route("POST", lambda w: "/apply/next", area_bound=False),
}
