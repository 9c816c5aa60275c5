"""`make screenshots`: the README's pictures, taken from a fresh demo so that they never go stale.

A throw-away demo database in a temporary directory (nothing in instance/ is touched), the app served in a thread
on a free port, Debian's Chromium driven by Playwright; each page at 360×640 (phone) and 1280×800 (desk), in
Kazakh and Russian, written to docs/screenshots/<page>-<lang>-<phone|desk>.png and shrunk to a 256-colour palette.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desk": {"width": 1280, "height": 800}}
LANGUAGES = ("kk", "ru")
BUDGET = 2_000_000  # bytes, all pictures together


def fresh_demo_app(tmp: Path):
    """The app on an empty temporary database with the reference and demo data, as `make run` loads them."""
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp / 'demo.sqlite'}", PLAN_STORAGE=str(tmp / "plans"),
                      JOBS_SQLITE_PATH=str(tmp / "jobs.sqlite"), SECRET_KEY="screenshots-only")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)  # Flask-Migrate finds migrations/ from here
    from flask_migrate import upgrade

    from bastau import create_app, demo
    from bastau.reference import load_all
    app = create_app({"LOGIN_LIMIT": "10000 per minute", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
        load_all()
        demo.load()
    return app


def serve(app) -> str:
    import logging

    from werkzeug.serving import make_server
    for chatty in ("werkzeug", "bastau.request"):  # one line per request would bury the summary
        logging.getLogger(chatty).setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def demo_addresses(app) -> dict[str, str]:
    """Pages whose address depends on the demo's ids: a certificate's check page, today's register."""
    import sqlalchemy as sa

    from bastau.clock import today
    from bastau.extensions import db
    from bastau.models import Application, Certificate, Cohort, TrainingDay
    with app.app_context():
        number = db.session.scalar(sa.select(Certificate.number).join(Application)
                                   .where(Application.surname == "Байжанов"))
        day = db.session.scalar(sa.select(TrainingDay.id).join(Cohort).where(Cohort.number == 1,
                                                                          TrainingDay.date == today()))
    return {"certificate": f"/certificates/{number}", "register": f"/trainer/days/{day}"}


def unused_iin(app, serial: int) -> str:
    from bastau import rules
    return rules.compose_iin(date(1992, 4, 17), "female", 9000 + serial)




def shoot(page, name: str, language: str, size: str) -> Path:
    path = OUT / f"{name}-{language}-{size}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))  # the first screenful: what a person sees on opening the page
    return path


def take_all(origin: str, addresses: dict[str, str], app) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from bastau.demo import DEMO_PASSWORD
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.journey import fill_application, sign_in_page
    shots, serial = [], 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for language in LANGUAGES:
            for size, viewport in VIEWPORTS.items():
                def new_page():
                    context = browser.new_context(viewport=viewport)
                    context.add_cookies([{"name": "lang", "value": language, "url": origin}])
                    return context.new_page()
                page = new_page()
                page.goto(origin + "/")
                shots.append(shoot(page, "start", language, size))
                page.goto(origin + "/apply")
                serial += 1
                fill_application(page, unused_iin(app, serial), javascript=True, locale=language)
                shots.append(shoot(page, "form", language, size))
                page.click("#continue")
                page.wait_for_url("**/apply/check")
                page.click("main form.once button")
                page.wait_for_url("**/apply/done")
                shots.append(shoot(page, "receipt", language, size))
                page.goto(origin + addresses["certificate"])
                shots.append(shoot(page, "certificate", language, size))
                page.context.close()
                for username, name, address in (("trainer", "register", addresses["register"]),
                                                ("centre", "queue", "/centre/"), ("admin", "dashboard", "/dashboard")):
                    page = new_page()
                    sign_in_page(page, origin, username, DEMO_PASSWORD)
                    page.goto(origin + address)
                    shots.append(shoot(page, name, language, size))
                    page.context.close()
        browser.close()
    return shots


def shrink(paths: list[Path]) -> None:
    """A 256-colour palette: screens of text and flat colours lose nothing visible and weigh a third."""
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed: the pictures are kept as Chromium wrote them")
        return
    for path in paths:
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bastau-shots-") as tmp:
        app = fresh_demo_app(Path(tmp))
        origin = serve(app)
        shots = take_all(origin, demo_addresses(app), app)
    shrink(shots)
    total = sum(path.stat().st_size for path in shots)
    print(f"{len(shots)} screenshots in {OUT.relative_to(ROOT)}, {total / 1e6:.2f} MB together")
    if total > BUDGET:
        print(f"!! over the {BUDGET / 1e6:.0f} MB budget: the README would grow too heavy")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
