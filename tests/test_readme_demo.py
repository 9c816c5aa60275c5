"""The README's "Try it in ten minutes" table is what `flask demo logins` prints on a fresh demo, and every
person and sign-in in it works: each person opens their status page at the stage the table names."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from bastau import rules
from bastau.clock import today
from bastau.extensions import db
from bastau.labels import STATUS_LABELS
from bastau.models import Status

from .conftest import PEOPLE_TABLES, page_text, post_form

README = Path(__file__).resolve().parent.parent / "README.md"
STAGE_STATUS = {
    "waiting for the centre": Status.SUBMITTED,
    "on list №2, at the chamber": Status.TARGET_GROUP_CONFIRMED,
    "waiting for the test": Status.LIST_APPROVED,
    "in training": Status.IN_TRAINING,
    "flagged (4 days absent)": Status.IN_TRAINING,
    "defended, certificate": Status.DEFENDED,
    "loan approved": Status.LOAN_APPROVED,
    "withdrawn": Status.WITHDRAWN,
}


def readme_table() -> str:
    section = README.read_text(encoding="utf-8").split("## Try it in ten minutes", 1)[1]
    block = re.search(r"```text\n(.*?)\n```", section, re.S).group(1)
    # References carry the programme year: the README's were printed in its year.
    return re.sub(r"BB-\d{4}-", f"BB-{rules.programme_year(today())}-", block)


def _restart_ids(app) -> None:
    """A fresh database numbers from 1: PostgreSQL's sequences go on after the other tests' rows are deleted."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name != "postgresql":
            return
        sequences = conn.scalars(sa.text(
            "SELECT pg_get_serial_sequence(table_name, column_name) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(:tables) "
            "AND (column_default LIKE 'nextval%' OR is_identity = 'YES')"), {"tables": list(PEOPLE_TABLES)}).all()
        for sequence in sequences:
            conn.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": sequence})


@pytest.fixture
def printed(app) -> str:
    _restart_ids(app)
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0 and "Demo data:" in loaded.output, loaded.output
    shown = runner.invoke(args=["demo", "logins"])
    assert shown.exit_code == 0, shown.output
    return shown.output.strip("\n")


def table_rows(text: str, title: str) -> list[list[str]]:
    block = text.split(title, 1)[1].split("\n\n", 1)[0].splitlines()[2:]  # past the title and the column names
    return [re.split(r"\s{2,}", line.strip()) for line in block]


def test_the_readme_table_is_what_demo_logins_prints(printed):
    assert readme_table() == printed


def test_every_demo_person_opens_their_status_page_at_their_stage(app, client, printed):
    people = table_rows(printed, "Demo people")
    assert [row[0] for row in people] == list(STAGE_STATUS)
    for stage, name, reference, iin, code in people:
        client.get("/lang/kk")
        response = post_form(client, "/status", {"reference": reference, "iin": iin, "access_code": code[:9]})
        assert response.status_code == 302, (stage, page_text(response)[:300])
        page = page_text(client.get(response.headers["Location"]))
        with app.app_context(), force_locale("kk"):
            label = str(STATUS_LABELS[STAGE_STATUS[stage]])
        shown = re.search(r'id="current-status">([^<]*)<', page).group(1)
        assert shown == label, (stage, name, shown)
        assert name in page


def test_the_printed_terminal_test_code_opens_the_test(client, printed):
    row = next(r for r in table_rows(printed, "Demo people") if r[0] == "waiting for the test")
    code = re.search(r"test code (\d{3} \d{3})", row[4]).group(1)
    response = post_form(client, "/test", {"code": code, "iin": row[3]})
    assert response.status_code == 302 and "/test" in response.headers["Location"], page_text(response)[:300]


def test_every_staff_sign_in_in_the_table_signs_in(app, printed):
    staff = table_rows(printed, "Staff sign-in")
    assert len(staff) == 8
    for role, username, password, _area in staff:
        client = app.test_client()
        response = post_form(client, "/staff/login", {"login": username, "password": password})
        assert response.status_code == 302 and "/staff/login" not in response.headers["Location"], (role, username)
