"""Configuration from environment variables, with defaults that are safe on a single machine."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """Generate the key once into instance/ so that every worker and restart shares it."""
    path = instance_path / "secret_key"
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


def from_environment(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("REDIS_URL")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "bastau_session",
        # Shared terminals: an applicant's session ends after a few idle minutes.
        "APPLICANT_IDLE_MINUTES": int(os.environ.get("APPLICANT_IDLE_MINUTES", "5")),
        "STAFF_IDLE_MINUTES": int(os.environ.get("STAFF_IDLE_MINUTES", "20")),
        "TEST_IDLE_MINUTES": int(os.environ.get("TEST_IDLE_MINUTES", "40")),
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
        "STATUS_LOOKUP_LIMIT": os.environ.get("STATUS_LOOKUP_LIMIT", "10 per minute;60 per hour"),
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per minute;50 per hour"),
        "SUBMIT_LIMIT": os.environ.get("SUBMIT_LIMIT", "30 per minute"),
        "TEST_CODE_LIMIT": os.environ.get("TEST_CODE_LIMIT", "10 per minute"),
        "CERTIFICATE_LOOKUP_LIMIT": os.environ.get("CERTIFICATE_LOOKUP_LIMIT", "30 per minute"),
        "PLAN_STORAGE": os.environ.get("PLAN_STORAGE") or str(instance_path / "plans"),  # uploaded business plans
    }
