"""One JSON line per request on stderr (logger "bastau.request"), written once the response has been sent.

A line names the route's *rule* (/lists/<int:list_id>), never the path or query string, which may carry a
reference number, an IIN or a name; and the signed-in staff member's role, never who they are. No addresses,
no form data. Lines are tied together by a request id: the balancer's X-Request-ID when it looks like one,
else a new one; it is sent back in the response's X-Request-ID header.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, request, session

log = logging.getLogger("bastau.request")
REQUEST_ID = "bastau.request_id"
ROUTE = "bastau.route"  # what Flask knows about the request, handed to the middleware through the environ
# An id a balancer makes (nginx's $request_id, a UUID); ten digits in a row could be an IIN or a phone number.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
LONG_NUMBER = re.compile(r"[0-9]{10}")


def init_app(app: Flask) -> None:
    _attach_stderr_handler()
    app.after_request(_note_route)
    app.log_exception = _exception_logger(app)
    app.wsgi_app = RequestLogMiddleware(app.wsgi_app)


def request_id(incoming: str | None) -> str:
    if incoming and SANE_REQUEST_ID.fullmatch(incoming) and not LONG_NUMBER.search(incoming):
        return incoming
    return uuid.uuid4().hex


def _attach_stderr_handler() -> None:
    """Once per process: lines go to stderr as they are (already JSON), whatever else logging does."""
    if any(getattr(handler, "bastau_request_log", False) for handler in log.handlers):
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.bastau_request_log = True
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _exception_logger(app: Flask):
    """Flask's own error line names the path; ours names the rule, and the request id that ties the traceback
    to the request's line."""
    def log_exception(exc_info) -> None:
        rule = request.url_rule.rule if request.url_rule else None
        app.logger.error("Exception on %s [%s] request_id=%s", rule, request.method,
                         request.environ.get(REQUEST_ID), exc_info=exc_info)
    return log_exception


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it), like logging's last resort."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _note_route(response):
    rule = request.url_rule
    request.environ[ROUTE] = {"rule": rule.rule if rule else None, "endpoint": request.endpoint,
                              "role": _staff_role()}
    return response


def _staff_role() -> str | None:
    """The role only, and only when someone is signed in (no query is made for anyone else)."""
    if not session.get("_user_id"):
        return None
    from flask_login import current_user
    return current_user.role.value if current_user.is_authenticated else None


class RequestLogMiddleware:
    """Times the whole response, body included, and counts the bytes actually sent."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        environ[REQUEST_ID] = request_id(environ.get("HTTP_X_REQUEST_ID"))
        status = {}

        def start_with_id(status_line, headers, exc_info=None):
            status["code"] = int(status_line.split(" ", 1)[0])
            headers.append(("X-Request-ID", environ[REQUEST_ID]))
            return start_response(status_line, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start_with_id)
        except BaseException:
            _write(environ, 500, started, 0)
            raise
        return _CountedBody(body, lambda sent: _write(environ, status.get("code", 500), started, sent))


class _CountedBody:
    def __init__(self, body, on_close):
        self.body, self.on_close, self.sent = body, on_close, 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.on_close(self.sent)


def _write(environ, status: int, started: float, sent: int) -> None:
    route = environ.get(ROUTE, {})
    log.info(json.dumps({
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "request_id": environ[REQUEST_ID],
        "method": environ.get("REQUEST_METHOD"),
        "rule": route.get("rule"),
        "endpoint": route.get("endpoint"),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "bytes": sent,
        "pid": os.getpid(),
        "role": route.get("role"),
    }, ensure_ascii=False))
