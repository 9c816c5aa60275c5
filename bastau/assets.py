"""Static files under content-hashed names, cached by browsers for a year; the few that a first visit needs, inlined.

`asset_url('css/app.css')` gives /static/css/app.3f2a9c1e.css; a new deploy changes the hash, so
browsers never use a stale file and never ask twice for a current one.

On a phone's 3G connection each request costs about 2 s of latency, whatever its size. So a first visit is one
request: the stylesheet and a tiny loader are inlined in every page's <head> (`inline_asset`), allowed by the
Content-Security-Policy through the sha256 of exactly that text (`csp_sources`, computed here at start from the
files, so an edit of the CSS needs nothing else), and every script comes after the page's load event
(`script_after_load`, run by static/js/after-load.js): the page is shown and usable without them, as it is without
JavaScript, and htmx and app.js only make it quicker and kinder once they arrive (from the cache on later visits).
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
import re
from pathlib import Path
from typing import NamedTuple

import brotli
import rcssmin
import rjsmin
from flask import Blueprint, Flask, Response, abort, current_app, request
from markupsafe import Markup

from .config import ROOT

STATIC = ROOT / "static"
YEAR = 365 * 24 * 3600
# Inlined in every page (templates/base.html), and so allowed by hash: the whole stylesheet (3.7 KB compressed: a
# critical subset would save little and cost a second stylesheet request) and the loader of every script.
INLINE_STYLES = ("css/app.css",)
INLINE_SCRIPTS = ("js/after-load.js",)
# Set by the loader once the stylesheet is in the browser's cache, to the digest in its name: a page then links that
# copy (0 bytes, from the cache) instead of inlining 4 KB again. A stale cookie only costs one request.
CACHED_COOKIE = "assets"
# Text that would end (or change the parsing of) the <style> or <script> element it is inlined in.
_ENDS_ELEMENT = re.compile(r"</(style|script)|<!--", re.IGNORECASE)
bp = Blueprint("assets", __name__)


class Asset(NamedTuple):
    mimetype: str
    bodies: dict[str, bytes]  # by content coding: "br", "gzip", "identity"


def _encodings(body: bytes, mimetype: str) -> dict[str, bytes]:
    """Compressed once, at start-up, as hard as the formats allow: assets are read far more than built."""
    bodies = {"identity": body}
    if mimetype.startswith(("text/", "application/javascript", "image/svg")):
        bodies["br"] = brotli.compress(body, quality=11)
        bodies["gzip"] = gzip.compress(body, compresslevel=9, mtime=0)
    return bodies


class Manifest:
    def __init__(self, folder: Path):
        self.urls: dict[str, str] = {}
        self.files: dict[str, Asset] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:10]
            stem, dot, ext = name.rpartition(".")
            hashed = f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if mimetype.startswith("text/") or mimetype == "application/javascript":
                mimetype += "; charset=utf-8"
            self.urls[name] = hashed
            self.files[hashed] = Asset(mimetype, _encodings(body, mimetype))
        self.inline = {name: _inlinable(name, (folder / name).read_bytes()) for name in INLINE_STYLES + INLINE_SCRIPTS}

    def digest(self, name: str) -> str:
        return self.urls[name].rsplit(".", 2)[-2]

    def csp_sources(self, names: tuple[str, ...]) -> list[str]:
        """The CSP source expressions that allow exactly the inlined text of these files."""
        return [_csp_hash(self.inline[name]) for name in names]


def _inlinable(name: str, body: bytes) -> str:
    # As the browser hashes it: the text between the tags, after its parser has turned CR LF (and CR) into LF.
    text = body.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    # Their comments are for people reading the files, not for every page: 0.5 KB (CSS) and 0.4 KB (JS) less each.
    text = rcssmin.cssmin(text) if name.endswith(".css") else rjsmin.jsmin(text)
    if _ENDS_ELEMENT.search(text):
        raise ValueError(f"static/{name} cannot be inlined: it holds {_ENDS_ELEMENT.search(text).group(0)!r}")
    return text


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def browser_holds(name: str) -> bool:
    """Does the browser say (by the cookie the loader sets) that it holds this very version of the file?"""
    return request.cookies.get(CACHED_COOKIE) == current_app.extensions["bastau_assets"].digest(name)


@bp.get("/static/<path:filename>")
def serve(filename: str):
    manifest: Manifest = current_app.extensions["bastau_assets"]
    asset = manifest.files.get(filename)
    if asset is None:
        abort(404)
    coding = next((c for c in ("br", "gzip") if c in asset.bodies and c in request.accept_encodings), "identity")
    response = Response(asset.bodies[coding], content_type=asset.mimetype)  # as is: a mimetype gets a 2nd charset
    if coding != "identity":
        response.headers["Content-Encoding"] = coding
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def init_app(app: Flask) -> None:
    manifest = Manifest(STATIC)
    app.extensions["bastau_assets"] = manifest

    def asset_url(name: str) -> str:
        return f"/static/{manifest.urls[name]}"

    def inline_asset(name: str) -> Markup:
        """The text to put between <script> and </script>, exactly as the CSP hash allows it."""
        return Markup(manifest.inline[name])

    def stylesheet(name: str) -> Markup:
        """The stylesheet inlined, with what the loader needs to put its file in the cache and say so in a cookie;
        or, once the cookie says the browser holds this very version, a link to it."""
        if browser_holds(name):
            return Markup('<link rel="stylesheet" href="%s">') % asset_url(name)
        opening = Markup('<style data-cache="%s" data-cache-cookie="%s=%s">') % (
            asset_url(name), CACHED_COOKIE, manifest.digest(name))
        return opening + Markup(manifest.inline[name]) + Markup("</style>")

    def script_after_load(name: str) -> Markup:
        """A script run once the page has loaded (static/js/after-load.js): fetched from the start, in parallel,
        but neither the page's first paint nor its load event waits for it."""
        return Markup('<link rel="preload" as="script" href="%s" data-after-load>') % asset_url(name)

    app.jinja_env.globals.update(asset_url=asset_url, inline_asset=inline_asset, stylesheet=stylesheet,
                                 script_after_load=script_after_load)
    app.register_blueprint(bp)
