"""Static files under content-hashed names, cached by browsers for a year.

`asset_url('css/app.css')` gives /static/css/app.3f2a9c1e.css; a new deploy changes the hash, so
browsers never use a stale file and never ask twice for a current one.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path
from typing import NamedTuple

import brotli
from flask import Blueprint, Flask, Response, abort, current_app, request

from .config import ROOT

STATIC = ROOT / "static"
YEAR = 365 * 24 * 3600
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

    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(bp)
