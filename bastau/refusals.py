"""What a service answers when the programme's rules or the user's area say no."""


class Refused(Exception):
    """A change the rules do not allow; `message` says why in the user's language and `field`
    names the form field it is about, if any (the route shows it next to that field)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(Exception):
    """Nothing of that id in the user's area: the page is a 404, as for something that does not exist (one error
    handler, bastau/errors.py, answers it for every route, which simply lets it through)."""
