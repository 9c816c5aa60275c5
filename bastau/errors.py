"""Error pages in the user's language; an expired form is shown again with what was typed."""
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError

from .refusals import NotFound


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        view = current_app.view_functions.get(request.endpoint)
        recover = getattr(view, "on_csrf_error", None)
        if recover:
            return recover()
        return render_template("errors/error.html", code=400), 400

    for code in (403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _page(code))
    # A service that finds nothing of that id in the user's area raises NotFound; every route lets it through.
    app.register_error_handler(NotFound, _page(404))


def _page(code: int):
    def handler(_error):
        return render_template("errors/error.html", code=code), code
    return handler
