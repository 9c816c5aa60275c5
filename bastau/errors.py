"""Error pages in the user's language; an expired form is shown again with what was typed.

Every error a person can meet (400, 403, 404, 405, 413, 422, 429, 500, an expired CSRF token, an exception inside
a transaction, in an htmx request) answers with the same localised page, or, for htmx, with the page's message
alone (templates/errors/_message.html), which static/js/app.js shows in place.

Why the 500 page used to be Werkzeug's raw English one: an unexpected exception went through Flask's
`handle_exception`, which re-raises instead of calling the 500 handler whenever exceptions propagate (TESTING, the
live server of the browser tests, a debug run): the server then wrote its own page. And had the error page itself
failed (a session left in a failed transaction by the error), the person would get that same raw page. Now every
exception has a handler of its own (it is logged as before), the database session is rolled back before the page
is drawn, and a page that cannot be drawn falls back to a plain one that needs neither the database nor the layout.
"""
from __future__ import annotations

import sys
from html import escape

from flask import Flask, current_app, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import disk_full, kept_forms
from .refusals import NotFound
from .web import TOO_MANY_PARTS_TITLE, body_too_large, too_many_parts

CODES = (400, 403, 404, 405, 413, 422, 429, 500)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        view = current_app.view_functions.get(request.endpoint)
        recover = getattr(view, "on_csrf_error", None)
        if recover:
            return recover()
        kept = kept_forms.recover_expired_form(view)  # a staff form: keep what was typed, let them send it again
        if kept is not None:
            return kept
        return error_page(400)

    for code in CODES:
        app.register_error_handler(code, _page(code))
    app.register_error_handler(413, _too_large)
    # A service that finds nothing of that id in the user's area raises NotFound; every route lets it through.
    app.register_error_handler(NotFound, _page(404))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    disk_full.init_app(app)
    kept_forms.init_app(app)


def _page(code: int):
    def handler(error):
        # Writing the session after the view can meet a full disk too; Flask then hands it here as a 500.
        if code == 500 and disk_full.is_disk_full(getattr(error, "original_exception", None)):
            return disk_full.page(error.original_exception, after_the_view=True)
        return error_page(code)
    return handler


def _too_large(_error):
    """A body too big is told so; a form refused for its thousands of parts is told that instead (bastau/web.py)."""
    if body_too_large():
        return error_page(413)
    return error_page(413, title=TOO_MANY_PARTS_TITLE, text=too_many_parts())


def _http_error(error: HTTPException):
    """Any other HTTP error (a 401, 406, 415...): the page of its family; redirects and the like pass through."""
    if error.code is None or error.code < 400:
        return error
    return error_page(error.code if error.code in CODES else (500 if error.code >= 500 else 400))


def _unexpected(error: Exception):
    """A bug or a failure below us: logged with its traceback, then the localised 500 page. A full disk is no bug:
    its own page (503) says nothing was lost and gives back what was typed (bastau/disk_full.py)."""
    if disk_full.is_disk_full(error):
        return disk_full.page(error)
    if _propagate():
        raise error
    current_app.log_exception(sys.exc_info())
    return error_page(500)


def _propagate() -> bool:
    """As Flask decides (PROPAGATE_EXCEPTIONS, else TESTING or debug): tests calling the app in-process see the
    exception itself, a debug run gets the debugger. The live server of the browser tests (a real socket, TESTING
    on) answers with the page, as production does."""
    configured = current_app.config.get("PROPAGATE_EXCEPTIONS")
    propagate = configured if configured is not None else (current_app.testing or current_app.debug)
    on_a_test_socket = current_app.testing and "werkzeug.socket" in request.environ
    return bool(propagate) and not on_a_test_socket


def error_page(code: int, title=None, text=None):
    """The error page in the user's language, or its message alone for an htmx request; `title` and `text`, when
    given, say more precisely than the code's own words what happened."""
    _forget_failed_transaction()
    template = "errors/_message.html" if _is_htmx() else "errors/error.html"
    try:
        page = render_template(template, code=code, error_title=title, error_text=text)
        response = current_app.make_response((page, code))
    except Exception:  # noqa: BLE001 - the page must not fail in turn
        current_app.log_exception(sys.exc_info())
        _forget_failed_transaction()
        response = current_app.make_response((_plain_page(code), code))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _forget_failed_transaction() -> None:
    from .extensions import db
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        pass


def _plain_page(code: int) -> str:
    """No layout, no database: a title, a sentence and a link, still in the user's language."""
    try:
        title, text, home = (gettext("Something went wrong on our side"),
                             gettext("Your data is safe. Please try again in a minute."), gettext("To the start page"))
        locale = str(request.cookies.get("lang") or "kk")[:2]
    except Exception:  # noqa: BLE001
        title, text, home, locale = "Қате", "", "Бастау", "kk"
    return (f'<!doctype html><html lang="{escape(locale)}"><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<main id="main"><h1>{escape(title)}</h1><p>{escape(text)}</p><p><a href="/">{escape(home)}</a></p>'
            f'</main></html>')
