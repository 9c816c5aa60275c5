"""Access table: the national administrator's read log (who looked at a person; accesses in a time window), and
the person's own "my data" downloads (public: they need the status look-up's session, nothing else)."""
from tests.access import Route

ROUTES = {
    "read_log_admin.index": Route("GET", lambda w: "/admin/read-log", area_bound=False),
    "read_log_admin.person": Route("POST", lambda w: "/admin/read-log/person", area_bound=False,
                                   data=lambda w: {"person": w["reference"]}),
    "read_log_admin.accesses": Route("GET", lambda w: "/admin/read-log/accesses.csv?first=2026-01-01&last=2026-01-31",
                                     area_bound=False),
}
PUBLIC = {"my_data.as_pdf", "my_data.as_json"}
