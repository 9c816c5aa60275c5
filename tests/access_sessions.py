"""Access table: shared terminals, the idle keep-alive and the language switch that keeps a form."""
from tests.access import Route

ROUTES = {
    # Marking this browser as a shared terminal: office staff only (a cookie of this browser, no area).
    "home.terminal": Route("GET", lambda w: "/terminal", area_bound=False),
}

# "I am still here" touches only the visitor's own session; the language switch keeps only their own typing.
PUBLIC = {"home.keep_alive", "i18n.keep_and_switch"}
