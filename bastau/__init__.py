"""Bastau: the web system of the Bastau Business entrepreneurship programme."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import assets, cli, database, errors, i18n, ids, proxies, request_log, security
from .config import ROOT, from_environment
from .extensions import babel, compress, csrf, db, htmx, limiter, login_manager, migrate
from .sessions import ServerSessionInterface
from .web import RowLink, control, draw, invalid_attrs, page_context


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=None,
                instance_path=str(ROOT / "instance"))
    from .forms import CleanTextRequest
    app.request_class = CleanTextRequest  # every typed text is clean before anything reads it (bastau.forms)
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    ids.init_app(app)  # before any route: ids in paths are bounded to the database's range
    register_extensions(app)
    register_blueprints(app)
    from .sms import events  # noqa: F401  (subscribes the SMS to the life cycle's events)
    errors.init_app(app)
    cli.init_app(app)
    app.context_processor(page_context)
    app.add_template_global(invalid_attrs)
    app.add_template_global(control)
    app.add_template_global(draw)
    app.add_template_global(RowLink, "row_link")
    trust_proxies(app)
    request_log.init_app(app)
    from . import read_log
    read_log.init_app(app)  # who saw a person's data (94-V): one row per staff read
    from . import access
    access.init_app(app)  # which details of a person each role sees, for the templates
    return app


def trust_proxies(app: Flask) -> None:
    """Take the client's address (and https) from X-Forwarded-For only on connections from TRUSTED_PROXIES, so
    rate limits key on the client and a client reaching gunicorn directly cannot pick its own (bastau/proxies.py)."""
    proxies.install(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    i18n.init_app(app, babel)
    htmx.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    # Every limit of the app is on its own route (@limiter.limit, checked when the route runs): the extension's
    # check before every request would only look for default or blueprint limits, of which there are none.
    assert not limiter.limit_manager.default_limits and not limiter.limit_manager.application_limits
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    login_manager.init_app(app)
    app.session_interface = ServerSessionInterface()
    assets.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .accounts.routes import bp as accounts_bp
    from .apply.routes import bp as apply_bp
    from .centre.routes import bp as centre_bp
    from .chamber.routes import bp as chamber_bp
    from .commission.routes import bp as commission_bp
    from .consents.routes import bp as consents_bp
    from .dashboard.plans import bp as plan_admin_bp
    from .dashboard.routes import bp as dashboard_bp
    from .erasure.routes import bp as erasure_bp
    from .defence.routes import bp as defence_bp
    from .health import bp as health_bp
    from .home.routes import bp as home_bp
    from .lists.routes import bp as lists_bp
    from .loans.routes import bp as loans_bp
    from .plans.routes import bp as plans_bp
    from .potential.routes import bp as potential_bp
    from .read_log_admin.routes import bp as read_log_admin_bp
    from .status.my_data import bp as my_data_bp
    from .reference_admin.routes import bp as reference_admin_bp
    from .sms.routes import bp as sms_bp
    from .staff.routes import bp as staff_bp
    from .status.routes import bp as status_bp
    from .trainer.routes import bp as trainer_bp
    from .training.routes import bp as training_bp

    for bp in (home_bp, apply_bp, status_bp, staff_bp, accounts_bp, centre_bp, chamber_bp, lists_bp,
               potential_bp, training_bp, trainer_bp, commission_bp, plans_bp, defence_bp, loans_bp,
               dashboard_bp, plan_admin_bp, reference_admin_bp, sms_bp, health_bp, read_log_admin_bp,
               my_data_bp, erasure_bp, consents_bp):
        app.register_blueprint(bp)
