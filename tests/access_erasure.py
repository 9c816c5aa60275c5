"""Access table: withdrawal of consent and erasure of a person's data (bastau/personal_data.py)."""
from tests.access import Route

ROUTES = {
    # Another district's application is not found: nothing is erased (the query is scoped before the form is read).
    "erasure.written_request": Route("GET", lambda w: f"/staff/applications/{w['application_id']}/consent-withdrawal"),
}

# The applicant's own withdrawal of consent works on the application opened with the receipt's details, never on an
# id; the page after it names nobody.
PUBLIC = {"status.withdraw_consent", "status.consent_withdrawn"}
