"""Configuration from the environment, with safe defaults."""
import os
import uuid

import pytest

from bastau.config import from_environment


def test_defaults_are_sqlite_in_instance_and_a_generated_secret(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    first = from_environment(tmp_path)
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'bastau.sqlite'}"
    assert len(first["SECRET_KEY"]) == 64
    assert from_environment(tmp_path)["SECRET_KEY"] == first["SECRET_KEY"]  # generated once, shared by workers
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    assert first["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("given, used", [
    ("postgres://u@db/bastau", "postgresql+psycopg://u@db/bastau"),
    ("postgresql://u@db/bastau", "postgresql+psycopg://u@db/bastau"),
    ("postgresql+psycopg://u@db/bastau", "postgresql+psycopg://u@db/bastau"),
])
def test_database_url_uses_psycopg_3(monkeypatch, tmp_path, given, used):
    monkeypatch.setenv("DATABASE_URL", given)
    assert from_environment(tmp_path)["SQLALCHEMY_DATABASE_URI"] == used


def test_redis_holds_rate_limits_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    assert from_environment(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (CI sets it)")
def test_redis_counts_hits_across_processes():
    """Several gunicorn workers share one Redis: a limit counted there holds for all of them."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    limit, key = parse("2 per minute"), f"test-{uuid.uuid4()}"
    worker_a = FixedWindowRateLimiter(storage_from_string(os.environ["REDIS_URL"]))
    worker_b = FixedWindowRateLimiter(storage_from_string(os.environ["REDIS_URL"]))
    assert worker_a.hit(limit, key) and worker_b.hit(limit, key)
    assert not worker_a.hit(limit, key) and not worker_b.hit(limit, key)
