"""Two people sending the same IIN at the same instant leave exactly one application."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bastau.extensions import db
from bastau.models import Application
from tests.conftest import application_data, csrf_token, new_iin, page_text, post_form

TERMINALS = 6


def test_simultaneous_submissions_with_one_iin_leave_one_application(app, store):
    iin = new_iin()
    terminals = []
    for _ in range(TERMINALS):  # each terminal has filled in the form and sees "check your answers"
        client = app.test_client()
        assert post_form(client, "/apply", application_data(app, iin=iin)).status_code == 302
        terminals.append((client, csrf_token(client, "/apply/check")))
    start = threading.Barrier(TERMINALS)
    results: list = [None] * TERMINALS

    def send(n: int) -> None:
        client, token = terminals[n]
        start.wait()
        try:
            response = client.post("/apply/submit", data={"csrf_token": token})
            results[n] = (response.status_code, page_text(response))
        except Exception as error:  # reported below with the others
            results[n] = (0, repr(error))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(TERMINALS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(code for code, _body in results)
    unexpected = [body[:300] for code, body in results if code not in (302, 409)]
    assert store.count(Application, Application.iin == iin) == 1
    assert codes == [302] + [409] * (TERMINALS - 1), (codes, unexpected)  # one receipt; the rest a kind refusal
    assert all('href="/status"' in body for code, body in results if code == 409)


def test_the_database_itself_refuses_a_second_active_application(app):
    """Even code that forgets the check cannot store two (the unique index, not only the form)."""
    iin = new_iin()
    with app.app_context():
        from tests.conftest import district
        place = district()
        row = dict(programme_year=2026, iin=iin, surname="А", first_name="Б", birth_date=sa.func.current_date(),
                   sex="female", phone="+77011112233", district_id=place.id, social_status="unemployed",
                   education="higher", channel="akimat", status="submitted", access_code_hash="x", language="kk",
                   consent_version="2026-1", consent_language="kk", consent_at=sa.func.current_timestamp(),
                   created_at=sa.func.current_timestamp(), updated_at=sa.func.current_timestamp())
        db.session.execute(sa.insert(Application).values(**row, submission_key="a" * 36))
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(sa.insert(Application).values(**row, submission_key="b" * 36))
            db.session.commit()
        db.session.rollback()
        # A withdrawn one does not count as active.
        db.session.execute(sa.insert(Application).values(**{**row, "status": "withdrawn"}, submission_key="c" * 36))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 2
