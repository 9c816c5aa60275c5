"""Access table: the participants the absence rule flags, and the commission's decision."""
from tests.access import Route

ROUTES = {
    "commission.flagged": Route("GET", lambda w: "/attendance/flagged", area_bound=False),
    "commission.review": Route("GET", lambda w: f"/commission/participants/{w['application_id']}"),
}
