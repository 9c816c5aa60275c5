"""Page weights of the applicant's journey: compressed bytes on the wire, first and repeat visit.

Run with `make bench` (or `.venv/bin/python bench/page_weight.py`). It builds a throw-away SQLite
database, walks the journey as a browser would (Accept-Encoding of Chromium), and prints, per page:
the HTML (headers + compressed body), the first visit (HTML + every stylesheet and script it links,
none cached yet) and the repeat visit (HTML only: assets carry hashed names and a one-year cache).
Budgets from the issue: HTML < 14 KB compressed, first visit < 40 KB.
"""
from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import brotli  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bastau import create_app, rules  # noqa: E402
from bastau.clock import today  # noqa: E402
from bastau.reference import load_all  # noqa: E402

ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends
HTML_BUDGET, FIRST_BUDGET = 14 * 1024, 40 * 1024


def wire_size(response) -> int:
    headers = sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items())
    return len(f"HTTP/1.1 {response.status}\r\n") + headers + 2 + len(response.get_data())


def text(response) -> str:
    """The page as the browser sees it, after decompression."""
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def assets_of(body: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', body)


def token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(url))).group(1)


def journey(app):
    """(page name, response) for each page a citizen sees, in order."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_ENCODING"] = ENCODING
    with app.app_context():
        import sqlalchemy as sa

        from bastau.extensions import db
        from bastau.models import District
        place = db.session.scalar(sa.select(District).where(District.kato_code == "195200000"))
        region_id, district_id = place.region_id, place.id
    born = today().replace(year=today().year - 30)
    iin = rules.compose_iin(born, "female", 4321)
    data = {"iin": iin, "surname": "Сәрсенбаева", "first_name": "Әйгерім", "patronymic": "Қанатқызы",
            "phone": "+7 701 234 56 78", "region": region_id, "district": district_id,
            "social_status": "unemployed", "education": "secondary", "channel": "akimat", "consent": "y"}
    yield "start page", client.get("/")
    yield "application form", client.get("/apply")
    yield "form with errors", client.post("/apply", data={"csrf_token": token(client, "/apply"), "surname": "X"})
    client.post("/apply", data={**data, "csrf_token": token(client, "/apply")})
    yield "check your answers", client.get("/apply/check")
    client.post("/apply/submit", data={"csrf_token": token(client, "/apply/check")})
    receipt = client.get("/apply/done")
    yield "receipt", receipt
    body = text(receipt)
    reference = re.search(r'id="reference">([^<]+)<', body).group(1)
    code = re.search(r'id="access-code">([^<]+)<', body).group(1)
    client.post("/finish", data={"csrf_token": token(client, "/apply/done")})
    yield "finished", client.get("/finished")
    yield "status look-up", client.get("/status")
    client.post("/status", data={"csrf_token": token(client, "/status"), "reference": reference, "iin": iin,
                                 "access_code": code})
    yield "status", client.get("/status/view")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bastau-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        load_all()
    asset_client = app.test_client()
    asset_sizes: dict[str, int] = {}
    rows, worst_ok = [], True
    print(f"{'page':<22}{'HTML':>10}{'first visit':>14}{'repeat visit':>14}   (bytes on the wire, Brotli)")
    for name, response in journey(app):
        assert response.status_code in (200, 422), (name, response.status_code)
        assert response.headers.get("Content-Encoding") in ("br", "gzip"), name
        html = wire_size(response)
        first = html
        for url in assets_of(text(response)):
            if url not in asset_sizes:
                asset_sizes[url] = wire_size(asset_client.get(url, headers={"Accept-Encoding": ENCODING}))
            first += asset_sizes[url]
        ok = html < HTML_BUDGET and first < FIRST_BUDGET
        worst_ok &= ok
        rows.append((name, html, first, html))
        print(f"{name:<22}{html:>10,}{first:>14,}{html:>14,}   {'ok' if ok else 'OVER BUDGET'}")
    print("\nassets:", ", ".join(f"{url.rsplit('/', 1)[-1]} {size:,} B" for url, size in asset_sizes.items()))
    verdict = "all within" if worst_ok else "EXCEEDED"
    print(f"budgets: HTML < {HTML_BUDGET:,} B, first visit < {FIRST_BUDGET:,} B -> {verdict}")
    return 0 if worst_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
