"""The start page is drawn once for every newcomer of a language (bastau/page_cache.py): the same bytes they would
have had, compressed once, and never for anyone whose page is their own."""
from __future__ import annotations

import gzip
import time

import brotli
import pytest
from flask import template_rendered
from flask_babel import force_locale

from bastau import page_cache
from bastau.i18n import tenge
from bastau.sessions import TERMINAL_COOKIE, terminal_cookie_value


@pytest.fixture
def drawn(app):
    """The templates drawn while the test runs; the kept pages start empty and are emptied again after."""
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)
    app.extensions.pop("bastau_kept_pages", None)
    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)
    app.extensions.pop("bastau_kept_pages", None)


def get(app, locale="kk", path="/", **headers):
    client = app.test_client()
    client.set_cookie("lang", locale)
    return client.get(path, headers=headers)


def test_newcomers_get_the_same_page_drawn_once(app, drawn):
    first = get(app)
    second = get(app)
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data() and drawn.count("home/start.html") == 1
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in second.headers


def test_each_language_has_its_own_page(app, drawn):
    kazakh, russian = get(app, "kk"), get(app, "ru")
    assert '<html lang="kk">' in kazakh.get_data(as_text=True)
    assert '<html lang="ru">' in russian.get_data(as_text=True)
    assert get(app, "ru").get_data() == russian.get_data() and drawn.count("home/start.html") == 2


def test_a_browser_holding_the_stylesheet_gets_the_link_not_the_inlined_copy(app, drawn):
    get(app)
    client = app.test_client()
    client.set_cookie("lang", "kk")
    client.set_cookie("assets", app.extensions["bastau_assets"].digest("css/app.css"))
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="stylesheet"' in page and "<style data-cache" not in page
    assert drawn.count("home/start.html") == 2


def test_the_compressed_page_is_the_same_page(app, drawn):
    plain = get(app).get_data()
    for _ in range(2):
        br = get(app, **{"Accept-Encoding": "br"})
        assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.get_data()) == plain
        gz = get(app, **{"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == plain
        assert int(br.headers["Content-Length"]) == len(br.get_data())
    assert drawn.count("home/start.html") == 1


@pytest.mark.parametrize("whose", ["query", "htmx", "terminal", "session"])
def test_a_page_of_ones_own_is_always_drawn_for_them(app, client, drawn, whose):
    get(app)
    if whose == "query":
        response = get(app, path="/?from=poster")
    elif whose == "htmx":
        response = get(app, **{"HX-Request": "true"})
    elif whose == "terminal":
        client.set_cookie(TERMINAL_COOKIE, terminal_cookie_value(app))
        response = client.get("/")
        assert "data-terminal-idle-seconds" in response.get_data(as_text=True)  # a terminal's page clears itself
    else:
        client.get("/status")  # the look-up form gives this browser a session (its CSRF token)
        response = client.get("/")
    assert response.status_code == 200 and drawn.count("home/start.html") == 2


def test_a_new_loan_cap_or_year_draws_the_page_anew(app, drawn, monkeypatch):
    with app.test_request_context(), force_locale("kk"):
        shown = str(tenge(12_345_678))
    assert shown not in get(app).get_data(as_text=True)
    monkeypatch.setattr("bastau.home.routes._loan_cap_today", lambda: 12_345_678)
    assert shown in get(app).get_data(as_text=True) and drawn.count("home/start.html") == 2


def test_a_kept_page_is_drawn_again_after_ten_minutes(app, drawn, monkeypatch):
    get(app)
    later = time.monotonic() + page_cache.KEPT_SECONDS + 1
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    get(app)
    assert drawn.count("home/start.html") == 2
