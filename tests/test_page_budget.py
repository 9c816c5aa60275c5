"""Every page stays within the issue's weight budget, and no new page can skip the measurement.

The measuring is bench/page_weight.py's own (the numbers in `make bench`), here on the test app with the demo data.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import page_weight  # noqa: E402

from bastau.extensions import db  # noqa: E402


def _get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_every_get_route_is_measured_or_named_as_not_a_page(app):
    measured = {visit.endpoint for visit in page_weight.VISITS}
    not_pages = set(page_weight.NOT_PAGES)
    unaccounted = _get_endpoints(app) - measured - not_pages
    assert not unaccounted, f"add these GET routes to VISITS (or NOT_PAGES) in bench/page_weight.py: {unaccounted}"
    assert not measured & not_pages, f"both measured and called not a page: {measured & not_pages}"
    stale = (measured | not_pages) - _get_endpoints(app) - {"health.check"}  # /healthz may be switched off
    assert not stale, f"no such GET route: {stale}"


def test_every_page_is_within_the_budget(app):
    with app.app_context():
        page_weight.demo.load()
        page_weight.extend_demo()
        ids = page_weight.demo_ids()
        db.session.remove()
    rows = list(page_weight.measure(app, ids, page_weight.AssetSizes(app)))

    broken = [(r.endpoint, r.locale, r.problems) for r in rows if r.problems]
    assert not broken, f"pages that did not answer as a page: {broken}"
    assert {r.endpoint for r in rows} == {v.endpoint for v in page_weight.VISITS}
    assert {r.locale for r in rows if r.who in page_weight.PUBLIC} == set(page_weight.LOCALES)
    over = [(r.endpoint, r.locale, r.over(), r.html, r.first, r.repeat) for r in rows if r.over()]
    assert not over, f"over the budget (HTML {page_weight.HTML_BUDGET} B, first visit {page_weight.FIRST_BUDGET} B, " \
                     f"repeat visit {page_weight.REPEAT_BUDGET} B): {over}"


def test_a_page_over_the_budget_is_reported():
    """The budget check itself can fail: a 15 KB page is over, and so is a repeat visit that refetches a script."""
    row = page_weight.Row("x", "x", "public", "kk", 200, html=15 * 1024, first=20 * 1024, repeat=15 * 1024,
                          uncompressed=0)
    assert row.over() == ["HTML", "repeat visit"]


def test_repeat_visits_follow_cache_control():
    class Response:
        def __init__(self, cache_control):
            self.headers = {"Cache-Control": cache_control} if cache_control else {}

    cached = page_weight.cached_for_repeat
    assert cached(Response("public, max-age=31536000, immutable"))
    assert not cached(Response("no-store"))
    assert not cached(Response("max-age=600, no-cache"))
    assert not cached(Response("max-age=0"))
    assert not cached(Response(None))
