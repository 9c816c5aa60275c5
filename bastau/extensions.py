"""Extensions, created unbound and attached to the app in create_app()."""
from flask import request
from flask_babel import Babel
from flask_compress import Compress as _Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _Session
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so that Alembic can alter them on SQLite and PostgreSQL alike.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class Compress(_Compress):
    """Flask-Compress leaves every non-2xx response uncompressed, but a form shown again with its
    errors (422) is a page slow phones load often: compress client-error pages too."""

    def after_request(self, response):
        from .page_cache import compressed_body, keep_compressed
        asked = request.headers.get("Accept-Encoding", "")
        kept = compressed_body(response, asked)
        if kept:  # a page kept for newcomers (bastau/page_cache.py): compressed once, not on every visit
            response.headers["Content-Encoding"], body = kept
            response.set_data(body)
            response.vary.add("Accept-Encoding")
            return response
        response = self._compressed(response)
        keep_compressed(response, asked)
        return response

    def _compressed(self, response):
        status = response.status_code
        if not 400 <= status < 500:
            return super().after_request(response)
        response.status_code = 200
        try:
            return super().after_request(response)
        finally:
            response.status_code = status


def client_address() -> str:
    """The caller's address: behind the proxies named in TRUSTED_PROXIES the client's own, taken from their
    X-Forwarded-For (bastau/proxies.py); from anyone else the connection's, whatever headers it sent."""
    return request.remote_addr or "unknown"


class Session(_Session):
    """Flask-SQLAlchemy's session, whose next transaction starts on the engine bastau/database.py picks for it: on
    PostgreSQL a web request reads outside a transaction until it writes."""

    def get_bind(self, *args, **kwargs):
        from .database import bind_for_request
        return bind_for_request(super().get_bind(*args, **kwargs))


db = SQLAlchemy(metadata=metadata, session_options={"class_": Session})
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
compress = Compress()
limiter = Limiter(key_func=client_address, default_limits=[])
