"""Access codes as HMACs keyed by ACCESS_CODE_KEY (bastau/access_codes.py): what opens, key rotation, the PBKDF2
hashes of before upgraded on use, the same work whether or not a reference exists, and the production check."""
from __future__ import annotations

import os
import re
import stat
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from bastau import access_codes
from bastau.apply import services
from bastau.config import ConfigurationError, from_environment
from bastau.models import Application
from tests.conftest import sql_sent
from tests.journey import look_up
from tests.test_production import PRODUCTION_ENV, SETTINGS, clean_environment

OTHER_KEY = "b" * 40


@contextmanager
def key(app, current: str, old: tuple[str, ...] = ()):
    saved = app.config["ACCESS_CODE_KEY"], app.config["ACCESS_CODE_OLD_KEYS"]
    app.config["ACCESS_CODE_KEY"], app.config["ACCESS_CODE_OLD_KEYS"] = current, list(old)
    app.extensions.pop("access_code_legacy", None)
    try:
        yield
    finally:
        app.config["ACCESS_CODE_KEY"], app.config["ACCESS_CODE_OLD_KEYS"] = saved
        app.extensions.pop("access_code_legacy", None)


def stored_hash(store, receipt) -> str:
    return store.scalar(sa.select(Application.access_code_hash).where(
        Application.id == Application.parse_reference(receipt["reference"])[1]))


def test_a_new_code_is_stored_as_an_hmac_with_the_key_id_and_only_the_right_code_opens(app, store, receipt):
    stored = stored_hash(store, receipt)
    with app.app_context():
        current_id = access_codes.key_id(app.config["ACCESS_CODE_KEY"])
    assert re.fullmatch(rf"hmac-sha256\${current_id}\$[0-9a-f]{{64}}", stored)
    assert look_up(app.test_client(), dict(receipt, access_code="0000 0000")).status_code == 404
    assert look_up(app.test_client(), receipt).status_code == 302


def test_a_changed_key_opens_old_codes_only_while_the_old_key_is_listed_and_rehashes_them(app, store, receipt):
    first_key = app.config["ACCESS_CODE_KEY"]
    before = stored_hash(store, receipt)
    with key(app, OTHER_KEY):
        assert look_up(app.test_client(), receipt).status_code == 404  # the old key forgotten: nothing opens
        assert stored_hash(store, receipt) == before
    with key(app, OTHER_KEY, old=(first_key,)):
        assert look_up(app.test_client(), dict(receipt, access_code="1111 1111")).status_code == 404
        assert stored_hash(store, receipt) == before  # a wrong code changes nothing
        assert look_up(app.test_client(), receipt).status_code == 302
        after = stored_hash(store, receipt)
        assert after.split("$")[1] == access_codes.key_id(OTHER_KEY) != before.split("$")[1]
    with key(app, OTHER_KEY):  # rehashed: it no longer needs the old key
        assert look_up(app.test_client(), receipt).status_code == 302


def test_a_pbkdf2_hash_of_before_opens_and_is_replaced_by_the_hmac_form(app, store, receipt):
    application_id = Application.parse_reference(receipt["reference"])[1]
    legacy = generate_password_hash(receipt["access_code"].replace(" ", ""), method=services.CODE_HASH_METHOD)
    store.execute(sa.update(Application).where(Application.id == application_id).values(access_code_hash=legacy))
    updated_at = store.scalar(sa.select(Application.updated_at).where(Application.id == application_id))
    assert look_up(app.test_client(), dict(receipt, access_code="1111 1111")).status_code == 404
    assert stored_hash(store, receipt) == legacy
    assert look_up(app.test_client(), receipt).status_code == 302
    assert stored_hash(store, receipt).startswith("hmac-sha256$")
    assert store.scalar(sa.select(Application.updated_at).where(Application.id == application_id)) == updated_at
    assert look_up(app.test_client(), receipt).status_code == 302


@pytest.fixture
def hash_work(monkeypatch):
    """The hash functions each look-up runs: 'hmac' and 'pbkdf2' calls."""
    calls: list[str] = []
    real_mac, real_pbkdf2 = access_codes._mac, access_codes.check_password_hash
    monkeypatch.setattr(access_codes, "_mac", lambda key, code: calls.append("hmac") or real_mac(key, code))
    monkeypatch.setattr(access_codes, "check_password_hash",
                        lambda stored, code: calls.append("pbkdf2") or real_pbkdf2(stored, code))
    return calls


def _work(app, hash_work, details) -> list[str]:
    hash_work.clear()
    look_up(app.test_client(), details)
    return sorted(hash_work)


def test_a_reference_that_exists_costs_what_one_that_does_not_costs(app, store, receipt, hash_work):
    app.extensions.pop("access_code_legacy", None)
    unknown = dict(receipt, reference=re.sub(r"\d{6}$", "999999", receipt["reference"]))
    wrong_code = dict(receipt, access_code="1111 1111")
    assert _work(app, hash_work, receipt) == _work(app, hash_work, unknown) == _work(app, hash_work, wrong_code) \
        == ["hmac"]
    # While an application still holds a PBKDF2 hash, every reference up to it costs one PBKDF2 more, found or not.
    application_id = Application.parse_reference(receipt["reference"])[1]
    legacy = generate_password_hash("12345678", method=services.CODE_HASH_METHOD)
    store.execute(sa.update(Application).where(Application.id == application_id).values(access_code_hash=legacy))
    app.extensions.pop("access_code_legacy", None)
    missing_below = dict(receipt, reference=re.sub(r"\d{6}$", f"{application_id - 1:06d}", receipt["reference"]))
    assert _work(app, hash_work, wrong_code) == _work(app, hash_work, missing_below) == ["hmac", "pbkdf2"]
    assert _work(app, hash_work, unknown) == ["hmac"]  # above every PBKDF2 hash: the fast path, found or not


def test_the_look_up_reads_the_application_once_and_writes_nothing_to_it(app, receipt):
    look_up(app.test_client(), receipt)  # the worker's "any PBKDF2 hash left?" answer is cached from here on
    client = app.test_client()
    token_page = client.get("/status")
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page.get_data(as_text=True)).group(1)
    with sql_sent(app) as recorded:
        assert client.post("/status", data={**receipt, "csrf_token": token}).status_code == 302
    sent = [statement for statement, _ in recorded]
    on_application = [s for s in sent if re.search(r"\bapplication\b", s) and "web_session" not in s]
    assert len(on_application) == 1 and on_application[0].lstrip().upper().startswith("SELECT"), on_application
    assert len(sent) <= 10, sent  # the rest is the session's (bastau/sessions.py)


# ---- configuration ----

@pytest.fixture
def environment(monkeypatch):
    return clean_environment(monkeypatch, (*SETTINGS, "ACCESS_CODE_KEY", "ACCESS_CODE_OLD_KEYS"))


def test_production_refuses_to_start_without_the_access_code_key(environment, tmp_path):
    environment({name: value for name, value in PRODUCTION_ENV.items() if name != "ACCESS_CODE_KEY"})
    with pytest.raises(ConfigurationError, match="ACCESS_CODE_KEY"):
        from_environment(tmp_path)


@pytest.mark.parametrize("setting", ["ACCESS_CODE_KEY", "ACCESS_CODE_OLD_KEYS"])
def test_production_refuses_a_short_access_code_key(environment, tmp_path, setting):
    environment(PRODUCTION_ENV | {setting: "changeme"})
    with pytest.raises(ConfigurationError, match=f"{setting}.*at least 32"):
        from_environment(tmp_path)


def test_production_takes_the_keys_from_the_environment(environment, tmp_path):
    environment(PRODUCTION_ENV | {"ACCESS_CODE_OLD_KEYS": f"{'c' * 32}, {'d' * 32}"})
    config = from_environment(tmp_path / "instance")
    assert config["ACCESS_CODE_KEY"] == PRODUCTION_ENV["ACCESS_CODE_KEY"] != config["SECRET_KEY"]
    assert config["ACCESS_CODE_OLD_KEYS"] == ["c" * 32, "d" * 32]
    assert not (tmp_path / "instance").exists()


def test_development_generates_the_key_once_into_its_own_private_file(environment, tmp_path):
    first = from_environment(tmp_path)
    path = tmp_path / "access_code_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first["ACCESS_CODE_KEY"]) == 64 and first["ACCESS_CODE_KEY"] != first["SECRET_KEY"]
    assert from_environment(tmp_path)["ACCESS_CODE_KEY"] == first["ACCESS_CODE_KEY"]
