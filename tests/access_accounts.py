"""Access table: own password (every staff role) and the administrators' account pages."""
from tests.access import Route

ROUTES = {
    "accounts.change_password": Route("GET", lambda w: "/staff/password", area_bound=False),
    "accounts.users": Route("GET", lambda w: "/admin/users", area_bound=False),
    "accounts.new_user": Route("GET", lambda w: "/admin/users/new", area_bound=False),
    "accounts.user": Route("GET", lambda w: f"/admin/users/{w['user_id']}"),
    "accounts.disable": Route("POST", lambda w: f"/admin/users/{w['user_id']}/disable"),
    "accounts.enable": Route("POST", lambda w: f"/admin/users/{w['user_id']}/enable"),
    "accounts.reset_password": Route("POST", lambda w: f"/admin/users/{w['user_id']}/password"),
}
