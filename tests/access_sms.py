"""Access table: the staff page "Sent messages" (national administrators, chamber staff, employment-centre officers)."""
from tests.access import Route

ROUTES = {
    "sms.messages": Route("GET", lambda w: "/staff/sms/", area_bound=False),
}
