"""One address a list page, each row's id put in its place (bastau/web.RowLink): the same as url_for would give."""
import pytest
from flask import url_for

from bastau.web import RowLink


@pytest.mark.parametrize("endpoint, name", [("staff.application", "application_id"),  # the id last
                                            ("potential.application_test", "application_id")])  # the id in the middle
def test_a_row_link_is_the_address_url_for_gives(app, endpoint, name):
    with app.test_request_context():
        link = RowLink(endpoint, name)
        for row_id in (1, 42, 2147483647):
            assert link(row_id) == url_for(endpoint, **{name: row_id})


def test_a_row_link_refuses_an_endpoint_whose_address_holds_no_such_id(app):
    with app.test_request_context(), pytest.raises(ValueError):
        RowLink("staff.application", "cohort_id", application_id=1)
