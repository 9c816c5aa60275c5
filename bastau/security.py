"""Headers for every response (no framing, no sniffing, no caching of personal data); requests with NUL refused."""
from flask import Flask, render_template, request

from . import assets

# script-src and style-src: our files, and the text inlined in every page's <head> by its hash (bastau/assets.py),
# never 'unsafe-inline'.
CSP = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self'{styles}; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
# No page needs the camera, microphone, location, payments or sensors: a script that got in cannot ask for them.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "hid", "midi",
    "accelerometer", "gyroscope", "magnetometer", "display-capture", "browsing-topics"))
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    # A page opened from ours (or ours opened by another site) gets no handle on the other window.
    "Cross-Origin-Opener-Policy": "same-origin",
}


def refuse_nul_characters():
    """Nobody types a NUL character, and PostgreSQL cannot even compare text holding one (a 500): refuse it."""
    texts = [request.path, *(value for _name, values in request.args.lists() for value in values)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        texts += [value for _name, values in request.form.lists() for value in values]
    if any("\x00" in text for text in texts):
        return render_template("errors/error.html", code=400), 400
    return None


def content_security_policy(manifest: assets.Manifest) -> str:
    """The policy, with the hashes of what assets.py inlines (computed once, at start, from the files)."""
    def sources(names):
        return "".join(f" {source}" for source in manifest.csp_sources(names))
    return CSP.format(scripts=sources(assets.INLINE_SCRIPTS), styles=sources(assets.INLINE_STYLES))


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    headers = {"Content-Security-Policy": content_security_policy(app.extensions["bastau_assets"]), **HEADERS}

    @app.after_request
    def set_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if request.is_secure:  # over HTTPS (behind a proxy: see TRUSTED_PROXIES): never plain HTTP again
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            # Pages may show personal data: Back after "Finish" on a shared terminal must show nothing.
            response.headers["Cache-Control"] = "no-store"
        return response
