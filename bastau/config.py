"""Configuration from environment variables, with defaults that are safe on a single machine.

BASTAU_ENV=production switches to the setup for several app servers behind a load balancer: nothing is kept in
instance/ (the secret, the database and the uploads come from the environment) and session cookies are Secure.
"""
import logging
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Without these, production would quietly keep state of its own in instance/ (a per-server secret, a per-server
# SQLite file, per-server uploads), and a second server behind the balancer would not see the first one's.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "PLAN_STORAGE", "ACCESS_CODE_KEY")
# The operator of the personal data, as the consent text names it (bastau/consent.py, law 94-V art. 1 and 7): the
# development defaults below are not a legal entity's real details, so production must say whom the people consent to.
OPERATOR_REQUIRED_IN_PRODUCTION = ("DATA_OPERATOR_NAME_KK", "DATA_OPERATOR_NAME_RU", "DATA_OPERATOR_BIN",
                                   "DATA_OPERATOR_ADDRESS_KK", "DATA_OPERATOR_ADDRESS_RU")
SHORTEST_SECRET_KEY = 32
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


class ConfigurationError(RuntimeError):
    """The environment does not describe a setup the app may start with."""


def is_production() -> bool:
    return os.environ.get("BASTAU_ENV", "").strip().lower() == "production"


def _check_production_environment() -> None:
    missing = [name for name in REQUIRED_IN_PRODUCTION + OPERATOR_REQUIRED_IN_PRODUCTION if not os.environ.get(name)]
    if missing:
        raise ConfigurationError(f"BASTAU_ENV=production needs {', '.join(missing)} in the environment")
    if not _is_bin(os.environ["DATA_OPERATOR_BIN"]):
        raise ConfigurationError("DATA_OPERATOR_BIN must be the operator's 12-digit BIN")
    if len(os.environ["SECRET_KEY"]) < SHORTEST_SECRET_KEY:
        raise ConfigurationError(f"SECRET_KEY must be at least {SHORTEST_SECRET_KEY} characters "
                                 "(python -c 'import secrets; print(secrets.token_hex(32))')")
    _check_access_code_keys()
    if not os.environ.get("REDIS_URL"):
        logging.getLogger("bastau").warning(
            "BASTAU_ENV=production without REDIS_URL: every worker counts rate limits on its own")
    if os.environ.get("SMS_GATEWAY", "dev").strip().lower() != "mobizon":
        logging.getLogger("bastau").warning(
            "BASTAU_ENV=production without SMS_GATEWAY=mobizon: SMS are only shown on the staff page, never sent")
    elif not os.environ.get("SMS_API_KEY"):
        logging.getLogger("bastau").warning(
            "SMS_GATEWAY=mobizon without SMS_API_KEY: the gateway will refuse every SMS")
    if not os.environ.get("PUBLIC_URL"):
        logging.getLogger("bastau").warning(
            "BASTAU_ENV=production without PUBLIC_URL: receipts, SMS and certificates name %s", DEFAULT_PUBLIC_URL)


def _check_access_code_keys() -> None:
    """The access codes' key (bastau/access_codes.py) is what keeps a stolen database from giving the codes away:
    a real secret of its own, kept out of the database and its backups."""
    for name, key in [("ACCESS_CODE_KEY", os.environ["ACCESS_CODE_KEY"])] + [
            ("ACCESS_CODE_OLD_KEYS", old) for old in _old_access_code_keys()]:
        if len(key) < SHORTEST_SECRET_KEY:
            raise ConfigurationError(f"{name}: each key must be at least {SHORTEST_SECRET_KEY} characters "
                                     "(python -c 'import secrets; print(secrets.token_hex(32))')")


def _old_access_code_keys() -> list[str]:
    """Earlier access-code keys (comma- or space-separated): their codes still open and are rehashed on use."""
    return os.environ.get("ACCESS_CODE_OLD_KEYS", "").replace(",", " ").split()


def _is_bin(value: str) -> bool:
    return len(value.strip()) == 12 and value.strip().isdigit()


def _data_operator_settings() -> dict:
    """Who processes the applicants' personal data, for the consent text. Development defaults: the chamber's
    name as the programme's operator, and a BIN of zeros and a plain address that say they are not real."""
    defaults = {
        "DATA_OPERATOR_NAME_KK": "«Атамекен» Қазақстан Республикасының Ұлттық кәсіпкерлер палатасы",
        "DATA_OPERATOR_NAME_RU": "Национальная палата предпринимателей Республики Казахстан «Атамекен»",
        "DATA_OPERATOR_BIN": "000000000000",
        "DATA_OPERATOR_ADDRESS_KK": "Астана қаласы (әзірлеуге арналған мекенжай)",
        "DATA_OPERATOR_ADDRESS_RU": "город Астана (адрес для разработки)",
    }
    return {name: os.environ.get(name, "").strip() or default for name, default in defaults.items()}


def _secret_key(instance_path: Path, name: str = "secret_key") -> str:
    """Generate the key once into instance/ so that every worker and restart shares it."""
    path = instance_path / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):  # Heroku-style URLs name no driver
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url or f"sqlite:///{instance_path / 'bastau.sqlite'}"


def _plan_storage(instance_path: Path) -> str:
    """Uploaded business plans; in production a folder every server mounts (NFS, a shared volume)."""
    configured = os.environ.get("PLAN_STORAGE")
    if configured:
        return configured  # never created here: a missing mount must fail /healthz, not fill a local disk
    default = instance_path / "plans"
    default.mkdir(exist_ok=True)
    return str(default)


def _session_cookie(production: bool) -> dict:
    """Production cookies are Secure; the __Host- prefix makes browsers refuse one set over HTTP, for a parent
    domain or for another path, so a neighbouring subdomain cannot plant a session key."""
    secure = production or os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    return {
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "__Host-bastau_session" if secure else "bastau_session",
    }


def _redis_options(redis_url: str | None) -> dict:
    # A Redis that stops answering must fail requests quickly rather than hold every worker.
    return {"socket_connect_timeout": 2, "socket_timeout": 2} if redis_url else {}


def from_environment(instance_path: Path) -> dict:
    production = is_production()
    if production:
        _check_production_environment()  # and instance/ is not needed: the image may be read-only
    else:
        instance_path.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("REDIS_URL")
    return {
        "PRODUCTION": production,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _secret_key(instance_path),
        # Access codes are HMACs keyed by this, a secret outside the database (bastau/access_codes.py); its own
        # file in development, required in production. Earlier keys still open their codes until rehashed.
        "ACCESS_CODE_KEY": os.environ.get("ACCESS_CODE_KEY") or _secret_key(instance_path, "access_code_key"),
        "ACCESS_CODE_OLD_KEYS": _old_access_code_keys(),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # In production a database error's message (logged with its traceback) leaves out the values: IINs, names.
        # No ping per checkout (a round trip each): on PostgreSQL a connection the server closed is found by its
        # socket (bastau/database.py), and none is kept longer than half an hour (firewalls drop idle ones).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800, "hide_parameters": production},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": _redis_options(redis_url),
        # The proxies in front of the app, by address or network (`127.0.0.1, 10.0.0.0/24`, `unix` for gunicorn's
        # unix socket): X-Forwarded-For is believed only on their connections (bastau/proxies.py).
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", ""),
        # Older: a number of proxies, now believed only on connections from loopback (deprecated, a warning).
        "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        **_session_cookie(production),
        # Shared terminals: an applicant's session ends after a few idle minutes.
        "APPLICANT_IDLE_MINUTES": int(os.environ.get("APPLICANT_IDLE_MINUTES", "5")),
        "STAFF_IDLE_MINUTES": int(os.environ.get("STAFF_IDLE_MINUTES", "20")),
        "TEST_IDLE_MINUTES": int(os.environ.get("TEST_IDLE_MINUTES", "40")),
        # The short applicant limit is for shared terminals only (bastau/sessions.py: is_terminal); on a person's
        # own phone or computer a longer one. Terminals: a browser marked by staff, or one of these addresses.
        "PERSONAL_IDLE_MINUTES": int(os.environ.get("PERSONAL_IDLE_MINUTES", "45")),
        "TERMINAL_ADDRESSES": os.environ.get("TERMINAL_ADDRESSES", ""),
        "IDLE_WARNING_SECONDS": int(os.environ.get("IDLE_WARNING_SECONDS", "60")),
        # Status look-ups: generous per address (a terminal serves a village), strict per reference and per IIN.
        "STATUS_LOOKUP_DETAILS_LIMIT": os.environ.get("STATUS_LOOKUP_DETAILS_LIMIT", "5 per 15 minutes;20 per day"),
        "SESSION_MAX_HOURS": 12,
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own lifetime bounds the token
        # Forms are small; business-plan uploads raise this for their own requests (plans.routes).
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "kk",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",  # stored times are UTC; people read Kazakhstan time
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("kk", "ru"),
        "COMPRESS_MIMETYPES": [
            "text/html", "text/css", "application/javascript", "text/javascript",
            "text/csv", "image/svg+xml", "application/json", "text/plain",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 300,
        "STATUS_LOOKUP_LIMIT": os.environ.get("STATUS_LOOKUP_LIMIT", "30 per minute;300 per hour"),
        # Failed sign-ins only, so an office behind one address is never paused by people signing in right.
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per minute;50 per hour"),
        # Failed sign-ins per username, from anywhere: short, so nobody can keep a colleague out for long.
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("LOGIN_ACCOUNT_LIMIT", "5 per 10 minutes"),
        "SUBMIT_LIMIT": os.environ.get("SUBMIT_LIMIT", "30 per minute"),
        # "Has this IIN applied?" is answered only when an application is sent (bastau/apply/duplicates.py), and
        # only so often. A person at a terminal needs 5 minutes or more for the form, so one terminal sends at most
        # ~12 an hour; 30 an hour and 200 a day leave room for three terminals behind one address on a busy day.
        "DUPLICATE_CHECK_LIMIT": os.environ.get("DUPLICATE_CHECK_LIMIT", "30 per hour;200 per day"),
        "DUPLICATE_CHECK_OPERATOR_LIMIT": os.environ.get("DUPLICATE_CHECK_OPERATOR_LIMIT", "30 per hour;150 per day"),
        "DUPLICATE_CHECK_IIN_LIMIT": os.environ.get("DUPLICATE_CHECK_IIN_LIMIT", "5 per hour;10 per day"),
        "TEST_CODE_LIMIT": os.environ.get("TEST_CODE_LIMIT", "10 per minute"),
        "CERTIFICATE_LOOKUP_LIMIT": os.environ.get("CERTIFICATE_LOOKUP_LIMIT", "30 per minute"),
        # "Send my code again": a few per application and per phone; generous per terminal (an akimat's shared one).
        "CODE_RESEND_LIMIT": os.environ.get("CODE_RESEND_LIMIT", "3 per hour"),
        "CODE_RESEND_PHONE_LIMIT": os.environ.get("CODE_RESEND_PHONE_LIMIT", "5 per day"),
        "CODE_RESEND_TERMINAL_LIMIT": os.environ.get("CODE_RESEND_TERMINAL_LIMIT", "20 per hour"),
        # The address people are told to open (receipt, SMS, certificate QR), not whatever host a request came by.
        "PUBLIC_URL": (os.environ.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
        "PLAN_STORAGE": _plan_storage(instance_path),
        # /healthz fails below this much free space (bastau/health.py): a plan is up to 20 MB, and a SQLite
        # database needs room for its WAL and for a backup's copy.
        "PLAN_STORAGE_MIN_FREE_MB": float(os.environ.get("PLAN_STORAGE_MIN_FREE_MB", "200")),
        "DATABASE_MIN_FREE_MB": float(os.environ.get("DATABASE_MIN_FREE_MB", "200")),
        # Personal data of an application are anonymised this many years after its last event (bastau/personal_data.py).
        "PERSONAL_DATA_RETENTION_YEARS": int(os.environ.get("PERSONAL_DATA_RETENTION_YEARS", "5")),
        # The job worker's queue: Redis in production (shared by every worker), else a SQLite file of its own.
        "JOBS_REDIS_URL": os.environ.get("JOBS_REDIS_URL") or (redis_url if production else None),
        "JOBS_SQLITE_PATH": os.environ.get("JOBS_SQLITE_PATH") or str(instance_path / "jobs.sqlite"),
        **_sms_settings(),
        **_data_operator_settings(),
    }


def _sms_settings() -> dict:
    """SMS: the development back end (messages only shown on the staff page "Sent messages") unless
    SMS_GATEWAY=mobizon names the HTTP gateway (bastau/sms/gateway.py)."""
    from .rules import SMS_DAILY_CAP
    return {
        "SMS_GATEWAY": os.environ.get("SMS_GATEWAY", "dev").strip().lower() or "dev",
        "SMS_API_URL": os.environ.get("SMS_API_URL", "https://api.mobizon.kz").rstrip("/"),
        "SMS_API_KEY": os.environ.get("SMS_API_KEY", ""),
        "SMS_SENDER": os.environ.get("SMS_SENDER", ""),
        "SMS_TIMEOUT": float(os.environ.get("SMS_TIMEOUT", "10")),
        "SMS_DAILY_CAP": int(os.environ.get("SMS_DAILY_CAP", str(SMS_DAILY_CAP))),
        "SMS_BATCH": int(os.environ.get("SMS_BATCH", "200")),  # SMS one sms_delivery run hands over at most
    }


def public_url(endpoint: str, **values) -> str:
    """The full address of a public page under PUBLIC_URL, for printed and sent documents; works outside a
    request too (jobs, SMS)."""
    from flask import current_app
    path = current_app.url_map.bind("public.invalid").build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def short_address(url: str) -> str:
    """An address as people type it: browsers add https:// themselves (plain http is kept, they would not)."""
    return url.removeprefix("https://")
