"""Helpers shared by the blueprints: page-or-fragment rendering and access checks."""
from __future__ import annotations

from functools import wraps

from flask import abort, make_response, render_template
from flask_login import current_user, login_required

from .extensions import htmx
from .models import Role


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


def invalid_attrs(field) -> dict:
    """For a radio, checkbox or input drawn by hand: a field with an error says so to screen readers and points
    at its message (`<id>-error`, as the templates write it)."""
    return {"aria-invalid": "true", "aria-describedby": f"{field.id}-error"} if field.errors else {}


def page_context() -> dict:
    """For the layout: is there something personal on screen that must vanish when idle?"""
    from flask import current_app, session

    from .sessions import idle_minutes
    personal = any(key in session for key in PERSONAL_KEYS)
    staff = current_user.is_authenticated
    minutes = idle_minutes(current_app.config, session)
    return {"show_finish": personal and not staff, "idle_seconds": minutes * 60 if (personal or staff) else 0}
