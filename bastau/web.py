"""Helpers shared by the blueprints: page-or-fragment rendering, access checks, and what a 413 was about."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from functools import wraps

from flask import abort, g, make_response, render_template, request
from flask_babel import format_decimal, format_time, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from werkzeug.wsgi import LimitedStream
from wtforms.widgets import Input, PasswordInput, Select
from wtforms.widgets.core import clean_key

from .extensions import htmx
from .models import Role


def try_again_in(reset_at: float) -> tuple[str, int]:
    """A rate limit's pause, for every place that pauses someone: "You can try again in 12 minutes, at 14:05." in
    the page's language, and the seconds to wait (for Retry-After)."""
    wait = max(1, int(reset_at - datetime.now(timezone.utc).timestamp()))
    minutes = max(1, -(-wait // 60))
    at = format_time(datetime.fromtimestamp(reset_at, timezone.utc), "short")
    return ngettext("You can try again in %(num)d minute, at %(time)s.",
                    "You can try again in %(num)d minutes, at %(time)s.", minutes, time=at), wait


def render_page(template_name: str, fragment: str | None = None, status: int = 200, **context):
    """The fragment when htmx asked for it (and is not restoring history), else the whole page."""
    wants_fragment = fragment and htmx and not htmx.history_restore_request
    response = make_response(render_template(fragment if wants_fragment else template_name, **context), status)
    response.vary.add("HX-Request")
    return response


def role_required(*roles: Role):
    """Staff routes name the roles they serve; everyone else is refused (403)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = roles  # read by the access-matrix test
        return wrapped
    return decorator


def current_operator():
    """The logged-in front-desk operator entering applications for citizens, if any."""
    if current_user.is_authenticated and current_user.role == Role.OPERATOR:
        return current_user
    return None


OPENED = "status_application_id"  # session key: the application the status look-up opened (status.lookup)
PERSONAL_KEYS = ("apply_draft", "apply_receipt", OPENED, "test_sitting_id", "test_result_id")


_KEPT_FOR_THE_NEXT_PERSON = ("csrf_token", "_user_id", "_fresh", "_id", "kept_forms")


def forget_the_previous_person() -> None:
    """A new person starts on this screen (a status look-up, successful or not): whatever the session held of
    the one before (an opened status page, a receipt, a plan download, a test) is gone, under a new key. A
    signed-in operator stays signed in."""
    from flask import session
    for key in list(session.keys()):
        if key not in _KEPT_FOR_THE_NEXT_PERSON:
            session.pop(key, None)
    if session.get("_user_id") is None:
        session.regenerate()


def invalid_attrs(field) -> dict:
    """For a radio, checkbox or input drawn by hand: a field with an error says so to screen readers and points
    at its message (`<id>-error`, as the templates write it)."""
    return {"aria-invalid": "true", "aria-describedby": f"{field.id}-error"} if field.errors else {}


def control(field, wide: bool = False, attrs: dict | None = None) -> Markup:
    """The input of the `field` macro: the field with the class for a wide one and, when it has a hint or an error,
    aria-describedby pointing at them and aria-invalid."""
    hint = f"{field.id}-hint" if field.description else ""
    error = f"{field.id}-error" if field.errors else ""
    return draw(field, **{**(attrs or {}), "class": "wide" if wide else False,
                          "aria-describedby": f"{hint} {error}".strip() or False,
                          "aria-invalid": "true" if error else False})


def draw(field, **attributes) -> Markup:
    """`field(**attributes)`, the same HTML (tests/test_controls.py compares the two for every field of every form),
    drawn here for the widgets every page has: plain inputs (text, date, tel, password…) and single selects.
    WTForms formats each attribute through Markup.format and looks its flags up with dir(): 70 µs an input, a
    quarter of a short signed-in page; here 15 µs. Any other widget, or a select with groups, is WTForms' own."""
    widget = field.widget
    drawn = type(widget).__call__
    if field.render_kw:
        attributes = {**field.render_kw, **attributes}  # Meta.render_field: the template's words win
    if drawn in _PLAIN_INPUTS and getattr(field, "_datalist", None) is None:
        return _input(field, attributes, hide_value=drawn is PasswordInput.__call__ and widget.hide_value)
    if type(widget) is Select and not widget.multiple and not field.has_groups():
        return _select(field, attributes)
    return field.widget(field, **attributes)


_PLAIN_INPUTS = (Input.__call__, PasswordInput.__call__)


def _with_flags(field, attributes: dict) -> dict:
    """The flags the field's validators set (required, maxlength…) that the widget draws, unless given."""
    for flag, value in vars(field.flags).items():
        if flag in field.widget.validation_attrs and flag not in attributes:
            attributes[flag] = value() if callable(value) else value
    return attributes


def _input(field, attributes: dict, hide_value: bool) -> Markup:
    """wtforms.widgets.Input.__call__ (a password's value is never drawn back)."""
    if hide_value:
        attributes["value"] = ""
    attributes.setdefault("id", field.id)
    attributes.setdefault("type", field.widget.input_type)
    if "value" not in attributes:
        attributes["value"] = field._value()
    attributes["name"] = field.name
    return Markup(f"<input {_html_params(_with_flags(field, attributes))}>")


def _select(field, attributes: dict) -> Markup:
    """wtforms.widgets.Select.__call__ and render_option, for a select without groups."""
    attributes.setdefault("id", field.id)
    attributes["name"] = field.name
    html = [f"<select {_html_params(_with_flags(field, attributes))}>"]
    for choice in field.iter_choices():
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        option = {"value": value, **(choice.render_kw or {})}
        if choice.selected:
            option["selected"] = True
        label = "" if choice.label is None else str(choice.label)  # a lazy label translated once, not twice
        html.append(f"<option {_html_params(option)}>{escape(label or choice.value)}</option>")
    html.append("</select>")
    return Markup("".join(html))


def _html_params(attributes: dict) -> str:
    """wtforms.widgets.html_params: sorted by name, `True` a bare attribute, `False` none, values escaped."""
    params = []
    for key, value in sorted(attributes.items()):
        key = clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(params)


class RowLink:
    """The address of one endpoint for each row of a list, as `{{ link(a.id) }}`: url_for once a page and the row's
    id put in its place, instead of one url_for a row, which a list of 50 names notices."""
    _STAND_IN = 2147483647  # the largest id (bastau/ids.py): no other part of an address spells it

    def __init__(self, endpoint: str, id_name: str, **values):
        from flask import url_for
        address = url_for(endpoint, **values, **{id_name: self._STAND_IN})
        path, mark, query = address.partition("?")
        self.before, found, after = path.partition(f"/{self._STAND_IN}")
        if not found:  # not a part of the path (url_for adds an unknown name to the query string)
            raise ValueError(f"{endpoint}: {id_name} is not a part of the path of {address}")
        self.before += "/"
        self.after = after + mark + query

    def __call__(self, row_id: int) -> str:
        return f"{self.before}{int(row_id)}{self.after}"


def page_context() -> dict:
    """For the layout: is there something personal on screen that must vanish when idle, and how soon?

    `idle_seconds`: the page clears itself after that long without use (a warning with a button to go on comes
    first, static/js/app.js). `terminal_idle_seconds`: on a shared terminal, a page with anything typed in it
    clears itself too, even before a session holds anything (the JavaScript starts the clock once a field has
    content). `idle_url`: where the page goes to end the session; for staff with next= this page, so that they
    sign in again and come back here.
    """
    from flask import current_app, request, session, url_for

    from .sessions import idle_minutes, is_terminal
    config = current_app.config
    terminal = is_terminal(current_app, request)
    personal = any(key in session for key in PERSONAL_KEYS)
    staff = current_user.is_authenticated
    minutes = idle_minutes(config, session, terminal)
    idle_url = url_for("home.session_ended", next=_page_to_come_back_to()) if staff else url_for("home.session_ended")
    return {"show_finish": personal and not staff, "idle_seconds": minutes * 60 if (personal or staff) else 0,
            "terminal": terminal, "idle_url": idle_url,
            "terminal_idle_seconds": config["APPLICANT_IDLE_MINUTES"] * 60 if terminal and not staff else 0,
            "idle_warning_seconds": config["IDLE_WARNING_SECONDS"]}


def _page_to_come_back_to() -> str:
    """This page's address, if it can be opened again (a page drawn in answer to a POST may not be)."""
    from flask import request, url_for
    rule = request.url_rule
    if rule is None or request.endpoint is None:
        return url_for("staff.home")
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if "GET" in (rule.methods or ()):
        try:
            return url_for(request.endpoint, **(request.view_args or {}))
        except Exception:  # noqa: BLE001 - an address that cannot be built: the desk
            pass
    return url_for("staff.home")


# ---- A request refused as too large (413): what was too large ----

TOO_MANY_PARTS_TITLE = _l("The form sent has too many parts")


def body_too_large() -> bool:
    """After a 413: was the body itself larger than this request may be (a file too big)? Werkzeug answers 413
    too, with the same exception, for a form of more than MAX_FORM_PARTS parts or a field longer than
    MAX_FORM_MEMORY_SIZE, however small the body; those must not be told that their file is too big."""
    limit = request.max_content_length
    if limit is None:
        return False
    if request.content_length is not None:
        return request.content_length > limit
    stream = request.stream  # sent in chunks, with no length: too large if the limit was read to its end
    return isinstance(stream, LimitedStream) and stream.is_exhausted


def too_many_parts() -> str:
    """The message for a form refused for its number of parts (or one over-long field), not its size."""
    return gettext("Nothing was saved. One form can carry up to %(count)s fields: go back and send fewer lines at "
                   "once.", count=format_decimal(request.max_form_parts or 1000))


class _Replayed(io.RawIOBase):
    """A request body whose first bytes were already read: they are given again, then the rest."""

    def __init__(self, start: bytes, rest) -> None:
        super().__init__()
        self._start, self._rest = io.BytesIO(start), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._start.readinto(buffer)
        if count:
            return count
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def keep_start_of_body(size: int) -> None:
    """Before anything parses the form: keep a copy of the body's first `size` bytes, for a page that shows what
    was typed again when the form is refused as too large (`start_of_body`). The form parser, which may have read
    past them before it refused, reads them as if untouched."""
    length = request.content_length
    if length is None or "wsgi.input" not in request.environ:
        return
    stream = request.environ["wsgi.input"]
    start = stream.read(min(size, length))
    g.start_of_body = start
    request.environ["wsgi.input"] = _Replayed(start, stream)


def start_of_body() -> bytes | None:
    """The body's first bytes kept by `keep_start_of_body`, if it was called for this request."""
    return g.get("start_of_body")
