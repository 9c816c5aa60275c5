"""Lists drawn from plain rows (models.listing and Listed): the same facts as the application's own, and a loud
error, not an empty cell, for a column the list did not select."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bastau.extensions import db
from bastau.models import Application, ConsentWay, Listed, NotListed, listing


def test_a_listed_row_says_what_the_application_says(app, receipt):
    with app.app_context():
        application = db.session.scalars(sa.select(Application)).one()
        application.surname, application.first_name, application.patronymic = "Сәрсенбаева", "Әйгерім", None
        application.consent_way = ConsentWay.PENDING
        db.session.commit()
        row = db.session.execute(listing(sa.select(Application), Application.consent_way, Application.iin)).one()
        listed = Listed(row)
        assert listed.full_name == application.full_name == "Сәрсенбаева Әйгерім"
        assert listed.reference == application.reference and listed.consent_pending is True
        assert listed.iin == application.iin and listed.status == application.status


def test_a_column_left_out_is_an_error_even_in_a_template(app, receipt):
    with app.app_context():
        listed = Listed(db.session.execute(listing(sa.select(Application))).one())
        with pytest.raises(NotListed):
            listed.phone
        assert not hasattr(listed, "__html__")  # escaping asks this of anything drawn
        with app.test_request_context("/"), pytest.raises(NotListed):
            app.jinja_env.from_string("{{ a.phone }}").render(a=listed)
