"""What every page shares: static files, compression, headers, error pages, schema, reference data."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bastau.extensions import db
from bastau.models import District, MciRate, Region
from bastau.reference import load_all
from tests.conftest import page_text, post_form, translated
from tests.journey import shows


def asset_urls(client, page: str = "/apply") -> list[str]:
    """The stylesheet's file (inlined in the page, fetched by the loader for the cache) and the scripts."""
    body = page_text(client.get(page))
    return re.findall(r'data-cache="(/static/[^"]+)"', body) + re.findall(r'(?:href|src)="(/static/[^"]+)"', body)


def test_static_files_have_hashed_names_and_are_cached_for_a_year(client):
    urls = asset_urls(client)
    assert len(urls) == 3  # one stylesheet, htmx, one small script
    for url in urls:
        assert re.search(r"\.[0-9a-f]{10}\.(css|js)$", url)
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_htmx_is_only_sent_to_pages_that_use_it(client):
    assert not any("htmx" in url for url in asset_urls(client, "/"))  # 16 KB less on the first visit
    assert any("htmx" in url for url in asset_urls(client, "/apply"))


def test_unhashed_or_unknown_static_names_are_not_served(client):
    assert client.get("/static/css/app.css").status_code == 404
    assert client.get("/static/../bastau/config.py").status_code == 404


def test_htmx_is_vendored_with_its_licence(client):
    htmx = [u for u in asset_urls(client) if "htmx" in u][0]
    assert b"htmx" in client.get(htmx).data[:2000]
    from bastau.assets import STATIC
    assert (STATIC / "js" / "htmx.LICENSE.txt").read_text().startswith(("Zero-Clause BSD", "BSD Zero Clause"))


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_and_assets_are_compressed(client, encoding):
    page = client.get("/", headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding
    css = client.get(asset_urls(client)[0], headers={"Accept-Encoding": encoding})
    assert css.headers["Content-Encoding"] == encoding
    errors = post_form(client, "/apply", {"surname": "X"}, headers={"Accept-Encoding": encoding})
    assert errors.status_code == 422 and errors.headers["Content-Encoding"] == encoding


def test_assets_are_decodable_and_served_plain_to_old_clients(client):
    import brotli
    url = asset_urls(client)[0]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data.startswith(b"/*")
    assert brotli.decompress(client.get(url, headers={"Accept-Encoding": "br"}).data) == plain.data


def test_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_scripts_or_styles_that_the_policy_would_block(client, app):
    from tests.journey import apply
    for body in (page_text(client.get("/")), page_text(client.get("/apply")), page_text(apply(client, app))):
        # the inlined stylesheet and loader are allowed by hash (tests/test_first_visit.py)
        assert body.count("<script>") == 1 and " style=" not in body and "onclick" not in body


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_not_found_page_in_the_users_language(client, locale):
    client.set_cookie("lang", locale)
    response = client.get("/no-such-page")
    assert response.status_code == 404 and shows(response, translated("Page not found", locale))


def test_no_english_on_kazakh_and_russian_pages(client, app):
    """Every visible sentence of the journey is translated (the brand in Latin letters excepted)."""
    from tests.journey import apply
    for locale in ("kk", "ru"):
        client.set_cookie("lang", locale)
        for body in (page_text(client.get("/")), page_text(client.get("/apply")), page_text(client.get("/status")),
                     page_text(apply(app.test_client(), app, headers={"Cookie": f"lang={locale}"}))):
            text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", body, flags=re.S)
            text = re.sub(r"(?:https?://)?[\w.-]+(?::\d+)?/[\w/?=&.%-]*", " ", text)  # web addresses are no words
            english = re.findall(r"\b[A-Za-z]{4,}\b", text)
            assert not english, (locale, english[:10])


def test_schema_from_migrations_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


def test_reference_data_is_complete_and_reloading_keeps_ids(app):
    with app.app_context():
        before = dict(db.session.execute(sa.select(District.kato_code, District.id)).all())
        assert db.session.scalar(sa.select(sa.func.count(Region.id))) == 20
        assert len(before) == 228
        load_all()
        after = dict(db.session.execute(sa.select(District.kato_code, District.id)).all())
        assert after == before
        karasai = db.session.scalar(sa.select(District).where(District.kato_code == "195200000"))
        assert (karasai.name_kk, karasai.name_ru, karasai.region.name_kk) == (
            "Қарасай ауданы", "Карасайский район", "Алматы облысы")


def test_mci_is_data_with_a_value_for_each_year(app):
    from datetime import date
    with app.app_context():
        assert MciRate.on(date(2017, 6, 1)).amount == 2269
        assert MciRate.on(date(2018, 6, 1)).amount == 2405
        assert MciRate.on(date(2022, 3, 31)).amount == 3063
        assert MciRate.on(date(2022, 4, 1)).amount == 3180
        assert MciRate.on(date(2016, 12, 31)) is None


def test_htmx_history_restore_gets_a_whole_page(client):
    fragment = client.get("/apply/districts?region=1", headers={"HX-Request": "true"})
    assert "<html" not in page_text(fragment)
    restoring = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    restore = client.get("/apply/districts?region=1", headers=restoring)
    assert restore.status_code == 302 and restore.location.endswith("/apply")
    page = client.get("/status", headers=restoring)
    assert "<html" in page_text(page)


def test_the_audit_log_cannot_be_changed_or_deleted(app, client):
    from sqlalchemy.exc import DatabaseError

    from bastau.models import AuditEntry
    from tests.journey import apply
    apply(client, app)
    with app.app_context():
        for statement in (sa.update(AuditEntry).values(note="changed"), sa.delete(AuditEntry)):
            with pytest.raises(DatabaseError):
                with db.engine.begin() as conn:
                    conn.execute(statement)
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 1


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_an_oversized_request_is_refused_in_the_users_language(client, locale):
    client.set_cookie("lang", locale)
    response = client.post("/status", data={"reference": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert shows(response, translated("The file or form is too large", locale))


def test_a_writing_block_commits_at_its_end_and_keeps_nothing_when_it_fails(app, store):
    from bastau.database import writing
    from bastau.models import Role, User

    def someone(name: str) -> User:
        return User(username=name, full_name="Жазу Тексеру", role=Role.NATIONAL_ADMIN, password_hash="x",
                    must_change_password=False)

    with app.app_context():
        with pytest.raises(RuntimeError):
            with writing():
                db.session.add(someone("kept-nothing"))
                db.session.flush()
                raise RuntimeError("refused half-way")
        with writing():
            db.session.add(someone("kept"))
    assert store.count(User, User.username == "kept-nothing") == 0
    assert store.count(User, User.username == "kept") == 1


def test_a_service_that_finds_nothing_answers_the_404_page(app, make_user):
    """The route lets the service's NotFound through; one error handler draws the page."""
    from bastau.models import Role
    from tests.conftest import login
    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF))
    chamber.set_cookie("lang", "ru")
    response = chamber.get("/cohorts/999999")
    assert response.status_code == 404 and translated("Page not found", "ru") in page_text(response)


def test_no_routes_module_imports_another():
    """What two blueprints share lives in a services, forms or web module, never in another's routes."""
    from pathlib import Path
    package = Path(__file__).resolve().parent.parent / "bastau"
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py") if path.name != "__init__.py"
                 and re.search(r"^from \.\.?[a-z_]*\.routes import|^from \.routes import", path.read_text(), re.M)]
    assert offenders == []
