"""Static files under content-hashed names, cached by browsers for a year.

`asset_url('css/app.css')` gives /static/css/app.3f2a9c1e.css; a new deploy changes the hash, so
browsers never use a stale file and never ask twice for a current one.
"""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app

from .config import ROOT

STATIC = ROOT / "static"
YEAR = 365 * 24 * 3600
bp = Blueprint("assets", __name__)


class Manifest:
    def __init__(self, folder: Path):
        self.urls: dict[str, str] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
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
            self.files[hashed] = (body, mimetype)


@bp.get("/static/<path:filename>")
def serve(filename: str):
    manifest: Manifest = current_app.extensions["bastau_assets"]
    found = manifest.files.get(filename)
    if found is None:
        abort(404)
    body, mimetype = found
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def init_app(app: Flask) -> None:
    manifest = Manifest(STATIC)
    app.extensions["bastau_assets"] = manifest

    def asset_url(name: str) -> str:
        return f"/static/{manifest.urls[name]}"

    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(bp)
