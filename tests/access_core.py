"""Access table: staff home, operator, employment centre, lists and chamber routes."""
from tests.access import Route

ROUTES = {
    "staff.home": Route("GET", lambda w: "/staff/", area_bound=False),
    "staff.application": Route("GET", lambda w: f"/staff/applications/{w['application_id']}"),
    # Another district's application is not found: nothing is withdrawn (the form is refused before it is read).
    "staff.withdraw": Route("POST", lambda w: f"/staff/applications/{w['application_id']}/withdraw",
                            data={"reason": "moved_away"}),
    "apply.next_applicant": Route("POST", lambda w: "/apply/next", area_bound=False),
    "centre.queue": Route("GET", lambda w: "/centre/", area_bound=False),
    # Deciding about another district's application changes nothing (the query is scoped): checked in test_centre.
    "centre.decide": Route("POST", lambda w: "/centre/decide", area_bound=False,
                           data={"action": "confirm", "application": "0"}),
    "centre.list_index": Route("GET", lambda w: "/centre/lists", area_bound=False),
    "centre.new_list": Route("GET", lambda w: "/centre/lists/new", area_bound=False),
    "centre.revise": Route("GET", lambda w: f"/centre/lists/{w['list_id']}/revise"),
    "lists.view": Route("GET", lambda w: f"/lists/{w['list_id']}"),
    "lists.xlsx": Route("GET", lambda w: f"/lists/{w['list_id']}.xlsx"),
    "lists.csv": Route("GET", lambda w: f"/lists/{w['list_id']}.csv"),
    "lists.changes": Route("GET", lambda w: f"/lists/{w['list_id']}/changes"),
    "chamber.list_index": Route("GET", lambda w: "/chamber/lists", area_bound=False),
    "chamber.review": Route("POST", lambda w: f"/chamber/lists/{w['list_id']}/review", data={"action": "approve"}),
}

# The applicant's own withdrawal works on the application opened with the receipt's details, never on an id.
# So are stopping SMS and "send my code again" (which answers alike whatever is typed).
PUBLIC = {"status.withdraw", "status.sms", "status.new_code"}
# Forms kept after a page was open too long (bastau/kept_forms.py): any staff member, their own session only.
ROUTES["kept.show"] = Route("GET", lambda w: "/kept/nothing-kept", area_bound=False)
