"""A first visit is one request: the stylesheet and the script loader inlined, allowed by their hashes in the CSP
(bastau/assets.py), every script after the load event; later visits link the cached stylesheet (a cookie says so)."""
from __future__ import annotations

import base64
import hashlib
import re
import shutil
from html.parser import HTMLParser

import pytest
from flask import Response
from playwright.sync_api import expect

from bastau import assets, security
from bastau.sessions import clear_site_data
from tests.conftest import page_text, post_form

PUBLIC_PAGES = ("/", "/apply", "/status", "/certificates", "/training", "/staff/login", "/no-such-page")


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(response) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in
                                                response.headers["Content-Security-Policy"].split(";"))}


class InlineCode(HTMLParser):
    """The text of every inline <style> and <script>, and any inline handler or style attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.styles, self.scripts, self.attributes, self._open = [], [], [], None

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        self.attributes += [f"{name} on <{tag}>" for name in names if name.startswith("on") or name == "style"]
        self._open = tag if tag == "style" or (tag == "script" and "src" not in names) else None
        if self._open:
            (self.styles if tag == "style" else self.scripts).append("")

    def handle_data(self, data):
        if self._open:
            (self.styles if self._open == "style" else self.scripts)[-1] += data

    def handle_endtag(self, tag):
        self._open = None


def inline_code(response) -> InlineCode:
    parser = InlineCode()
    parser.feed(page_text(response))
    return parser


def test_the_policy_allows_exactly_the_inlined_css_and_loader(client):
    page = client.get("/apply")
    found, csp = inline_code(page), policy(page)
    css = (assets.STATIC / "css" / "app.css").read_text()
    assert len(found.styles) == 1 and len(found.scripts) == 1
    assert found.styles[0] == assets.rcssmin.cssmin(css)  # the file, less its comments
    assert csp["style-src"] == ["'self'", sha256_source(found.styles[0])]
    assert csp["script-src"] == ["'self'", sha256_source(found.scripts[0])]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]


def test_a_changed_stylesheet_changes_the_hash(tmp_path):
    shutil.copytree(assets.STATIC, tmp_path / "static")
    before = security.content_security_policy(assets.Manifest(tmp_path / "static"))
    with open(tmp_path / "static" / "css" / "app.css", "a") as css:
        css.write(".new-rule{color:red}\n")
    changed = assets.Manifest(tmp_path / "static")
    after = security.content_security_policy(changed)
    assert before != after
    assert sha256_source(changed.inline["css/app.css"]) in after and ".new-rule{color:red}" in changed.inline["css/app.css"]


def test_text_that_would_end_its_element_is_refused():
    with pytest.raises(ValueError):
        assets._inlinable("css/x.css", b"a{content:'</style><script>alert(1)'}")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_inline_style_and_script_has_its_hash_and_no_script_blocks_the_page(client, path):
    page = client.get(path)
    found, csp = inline_code(page), policy(page)
    assert found.styles and found.scripts, path
    assert all(sha256_source(text) in csp["style-src"] for text in found.styles), path
    assert all(sha256_source(text) in csp["script-src"] for text in found.scripts), path
    assert not found.attributes, (path, found.attributes)
    assert "<script src=" not in page_text(page), "scripts come after the load event (data-after-load)"


def test_a_refused_form_too(client):
    refused = post_form(client, "/apply", {"surname": "X"})
    assert refused.status_code == 422
    found, csp = inline_code(refused), policy(refused)
    assert all(sha256_source(text) in csp["style-src"] + csp["script-src"] for text in found.styles + found.scripts)


def test_htmx_only_where_used_and_after_the_load_event(client):
    def after_load(path):
        return re.findall(r'<link rel="preload" as="script" href="(/static/js/[^"]+)" data-after-load>',
                          page_text(client.get(path)))
    assert [url.split("/")[-1].split(".")[0] for url in after_load("/apply")] == ["app", "htmx"]
    assert not any("htmx" in url for url in after_load("/"))


def test_the_cookie_of_a_cached_stylesheet_links_it_instead(app, client):
    digest = app.extensions["bastau_assets"].digest("css/app.css")
    client.set_cookie(assets.CACHED_COOKIE, digest)
    page = page_text(client.get("/"))
    assert f'<link rel="stylesheet" href="/static/css/app.{digest}.css">' in page and "<style" not in page
    assert client.get(f"/static/css/app.{digest}.css").status_code == 200
    client.set_cookie(assets.CACHED_COOKIE, "0123456789")  # an older version: inlined again
    assert "<style data-cache=" in page_text(client.get("/"))


def test_clearing_the_cache_ends_the_cookie_that_says_it_is_there(app):
    with app.test_request_context("/"):
        response = clear_site_data(Response())
    assert any(c.startswith(f"{assets.CACHED_COOKIE}=;") for c in response.headers.getlist("Set-Cookie"))


# ---- in Chromium, under the real policy ----

WATCH_CSP = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));"""
BRAND = "rgb(11, 110, 79)"  # --brand, the background of .button


def wait_until(page, expression: str, seconds: float = 10) -> None:
    """page.wait_for_function polls with eval, which the page's own policy rightly forbids: poll from here."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def watched_page(browser, live_server, locale="kk", viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 360, "height": 640})
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    messages = []
    page.on("console", lambda m: "Content Security Policy" in m.text and messages.append(m.text))
    return context, page, messages


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_styles_apply_under_the_policy_first_and_later_visits(browser, live_server, locale):
    from tests.test_browser import SHOTS  # noqa: F401  (the screenshots folder exists)
    for name, viewport in (("phone", {"width": 360, "height": 640}), ("desktop", {"width": 1280, "height": 800})):
        context, page, messages = watched_page(browser, live_server, locale, viewport)
        page.goto(live_server + "/")
        assert page.locator("style[data-cache]").count() == 1, "first visit: inlined"
        assert page.eval_on_selector("main a.button", "e => getComputedStyle(e).backgroundColor") == BRAND
        wait_until(page, "document.cookie.includes('assets=')")
        page.screenshot(path=f"/tmp/shots/frontend/start-{locale}-{name}.png")
        for path, shot in (("/apply", "form"), ("/", "start-repeat")):
            page.goto(live_server + path)
            assert page.locator("style").count() == 0, "later visit: the cached file, linked"
            assert page.eval_on_selector("main button.button, main a.button",
                                         "e => getComputedStyle(e).backgroundColor") == BRAND
            page.screenshot(path=f"/tmp/shots/frontend/{shot}-{locale}-{name}.png", full_page=shot == "form")
        assert page.evaluate("window.__violations") == [] and messages == []
        context.close()


@pytest.mark.browser
def test_htmx_works_after_its_late_load_and_catches_up_with_a_region_chosen_before(browser, live_server):
    context, page, messages = watched_page(browser, live_server)
    held = []
    page.route("**/static/js/htmx.*", lambda route: held.append(route))  # htmx has not arrived yet
    page.goto(live_server + "/apply")
    assert page.evaluate("typeof htmx") == "undefined"
    districts = page.locator("#district option").count()
    page.select_option("#region", index=1)  # usable before htmx: nothing happens yet
    page.wait_for_timeout(200)
    assert page.locator("#district option").count() == districts
    for route in held:
        route.continue_()
    wait_until(page, "typeof htmx === 'object'")
    wait_until(page, f"document.querySelectorAll('#district option').length > {districts}")
    first_of_region_1 = page.locator("#district option").nth(1).inner_text()
    page.select_option("#region", index=2)  # and htmx as usual from then on
    expect(page.locator("#district option").nth(1)).not_to_have_text(first_of_region_1)
    assert page.evaluate("window.__violations") == [] and messages == []
    context.close()
