"""The HTTP SMS back end (Mobizon's API) against a local server that checks each request and answers as Mobizon
does: a message id, its error codes, a 5xx, no answer in time; and the delivery reports."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bastau.sms.gateway import (
    DevGateway,
    MobizonGateway,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    gateway_for,
)

API_KEY = "kz-test-key-0123456789"
CYRILLIC = "Bastau: өтінім BB-2026-000123 қабылданды. Күйін тексеріңіз: bastau.kz/status"


@dataclass
class Call:
    method: str
    path: str
    query: dict
    form: dict
    content_type: str


@dataclass
class FakeMobizon:
    """A local stand-in for api.mobizon.kz: records every request; `answer(call)` says what to send back, as
    (HTTP status, JSON body) or (status, body, seconds to wait first)."""
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    answer: Callable[[Call], tuple] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 1000

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.path.endswith("/SendSmsMessage")]

    def default_answer(self, call: Call) -> tuple:
        if call.path.endswith("/SendSmsMessage"):
            with self.lock:
                self.next_id += 1
                return 200, {"code": 0, "data": {"campaignId": "1", "messageId": str(self.next_id), "status": 1},
                             "message": ""}
        if call.path.endswith("/GetMessageStatus"):
            return 200, {"code": 0, "data": [{"id": gid, "status": "DELIVRD", "segNum": "1"}
                                             for gid in call.form.get("ids[]", [])], "message": ""}
        return 404, {"code": 2, "data": None, "message": "Not found"}


def start_fake_mobizon() -> tuple[FakeMobizon, ThreadingHTTPServer]:
    fake = FakeMobizon()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            parts = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            call = Call("POST", parts.path, urllib.parse.parse_qs(parts.query),
                        urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True),
                        self.headers.get("Content-Type", ""))
            with fake.lock:
                fake.calls.append(call)
            status, answer, *wait = (fake.answer or fake.default_answer)(call)
            if wait:
                time.sleep(wait[0])
            payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    return fake, server


@pytest.fixture
def mobizon():
    fake, server = start_fake_mobizon()
    yield fake
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Message:
    id: int
    phone: str
    text: str


def _gateway(fake: FakeMobizon, timeout: float = 10, sender: str = "Bastau") -> MobizonGateway:
    return MobizonGateway(fake.url, API_KEY, sender, timeout)


def test_a_message_is_posted_as_mobizon_expects_and_its_id_kept(mobizon):
    result = _gateway(mobizon).send(Message(7, "+77011234567", CYRILLIC))
    assert result == SendResult(gateway_id="1001")
    [call] = mobizon.calls
    assert call.path == "/service/Message/SendSmsMessage"
    assert call.query == {"output": ["json"], "api": ["v1"], "apiKey": [API_KEY]}
    assert call.form == {"recipient": ["77011234567"], "text": [CYRILLIC], "from": ["Bastau"]}
    assert call.content_type.startswith("application/x-www-form-urlencoded")


def test_without_a_sender_name_no_from_field_is_sent(mobizon):
    _gateway(mobizon, sender="").send(Message(7, "+77471234567", "Bastau"))
    assert "from" not in mobizon.calls[0].form and mobizon.calls[0].form["recipient"] == ["77471234567"]


@pytest.mark.parametrize("code, message, failure", [
    (1, "Неверно указан получатель", PermanentFailure),  # wrong data
    (2, "Not found", PermanentFailure),
    (8, "Recipient is forbidden", PermanentFailure),
    (99, "Server is busy, try later", TemporaryFailure),
])
def test_mobizon_error_codes_are_temporary_or_permanent(mobizon, code, message, failure):
    mobizon.answer = lambda call: (200, {"code": code, "data": {}, "message": message})
    with pytest.raises(failure) as raised:
        _gateway(mobizon).send(Message(7, "+77011234567", CYRILLIC))
    assert f"mobizon code {code}" in str(raised.value) and API_KEY not in str(raised.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_temporary(mobizon, status):
    mobizon.answer = lambda call: (status, {"code": 99, "message": "Internal error"})
    with pytest.raises(TemporaryFailure, match=f"HTTP {status}"):
        _gateway(mobizon).send(Message(7, "+77011234567", CYRILLIC))


def test_no_answer_within_the_timeout_is_temporary(mobizon, app):
    app.config["SMS_TIMEOUT"] = 0.5
    try:
        gateway = gateway_for({**app.config, "SMS_GATEWAY": "mobizon", "SMS_API_URL": mobizon.url,
                               "SMS_API_KEY": API_KEY})
    finally:
        app.config["SMS_TIMEOUT"] = 10.0
    assert isinstance(gateway, MobizonGateway) and gateway.timeout == 0.5
    mobizon.answer = lambda call: (200, {"code": 0, "data": {"messageId": "1"}, "message": ""}, 1.5)
    started = time.monotonic()
    with pytest.raises(TemporaryFailure, match="no answer within 0.5 s"):
        gateway.send(Message(7, "+77011234567", CYRILLIC))
    assert time.monotonic() - started < 1.4


def test_a_gateway_that_is_not_there_is_temporary():
    with pytest.raises(TemporaryFailure, match="cannot connect"):
        MobizonGateway("http://127.0.0.1:9", API_KEY, timeout=2).send(Message(7, "+77011234567", "x"))


def test_an_answer_that_is_not_mobizon_is_permanent(mobizon):
    mobizon.answer = lambda call: (200, ["<html>"])
    with pytest.raises(PermanentFailure):
        _gateway(mobizon).send(Message(7, "+77011234567", "x"))


def test_delivery_reports(mobizon):
    reports = {"11": "DELIVRD", "12": "UNDELIV", "13": "ENQUEUD", "14": "REJECTD", "15": "ACCEPTD"}
    mobizon.answer = lambda call: (200, {"code": 0, "message": "", "data": [
        {"id": gid, "status": reports[gid], "segNum": "1"} for gid in call.form["ids[]"]]})
    gateway = _gateway(mobizon)
    assert gateway.statuses(list(reports)) == {"11": "delivered", "12": "failed", "13": "pending", "14": "failed",
                                               "15": "pending"}
    assert gateway.status("11") == "delivered"
    call = mobizon.calls[0]
    assert call.path == "/service/Message/GetMessageStatus" and call.query["apiKey"] == [API_KEY]
    assert call.form["ids[]"] == list(reports)


def test_the_development_back_end_sends_nothing_and_counts_it_delivered(app):
    gateway = gateway_for(app.config)
    assert isinstance(gateway, DevGateway) and app.config["SMS_GATEWAY"] == "dev"
    assert gateway.send(Message(42, "+77011234567", "x")) == SendResult("dev-42", delivered=True)
    assert gateway.status("dev-42") == "delivered" and not gateway.polls


def test_production_without_the_http_gateway_warns_but_starts(monkeypatch, caplog, tmp_path):
    from bastau.config import from_environment
    from tests.test_production import DATA_OPERATOR
    for name, value in {"BASTAU_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite:///x.db",
                        "PLAN_STORAGE": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0",
                        "PUBLIC_URL": "https://bastau.kz", "ACCESS_CODE_KEY": "k" * 40, **DATA_OPERATOR}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SMS_GATEWAY", raising=False)
    with caplog.at_level("WARNING", logger="bastau"):
        config = from_environment(tmp_path)
    assert config["SMS_GATEWAY"] == "dev" and "without SMS_GATEWAY=mobizon" in caplog.text
    caplog.clear()
    monkeypatch.setenv("SMS_GATEWAY", "mobizon")
    monkeypatch.setenv("SMS_API_KEY", API_KEY)
    with caplog.at_level("WARNING", logger="bastau"):
        config = from_environment(tmp_path)
    assert config["SMS_GATEWAY"] == "mobizon" and "SMS" not in caplog.text
