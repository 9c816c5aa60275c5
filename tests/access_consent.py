"""Access table: the consent texts (every staff role) and the citizen's own consent at the desk."""
from tests.access import Route

ROUTES = {
    "consents.versions": Route("GET", lambda w: "/consent/versions", area_bound=False),
    "consents.desk": Route("GET", lambda w: f"/consent/{w['application_id']}"),
    # The world's applications were given online: recording is refused (409) in the own area, 404 elsewhere.
    "consents.paper": Route("POST", lambda w: f"/consent/{w['application_id']}/paper", data={"signed": "y"}),
    "consents.send_code": Route("POST", lambda w: f"/consent/{w['application_id']}/code"),
    "consents.confirm_code": Route("POST", lambda w: f"/consent/{w['application_id']}/confirm",
                                   data={"code": "000000"}),
}
