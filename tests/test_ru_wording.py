"""Russian wording of issue 17: a count row of the dashboard is not a person's status, an age reads «38 лет»."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext, ngettext, pgettext

from bastau.dashboard.routes import COLUMN_LABELS
from tests.conftest import application_data, page_text
from tests.journey import RU, fill_in


@pytest.mark.parametrize("key, status, row", [
    ("defended", "Защищён", "Защитили бизнес-план"),
    ("referred", "Направлен на получение кредита", "Направлены на финансирование"),
    ("test_passed", "Тест пройден", "Прошли тест"),
])
def test_a_funnel_row_counts_people_while_the_status_names_one_person(app, key, status, row):
    english = {"defended": "Defended", "referred": "Referred for a loan", "test_passed": "Test passed"}[key]
    with app.test_request_context(), force_locale("ru"):
        assert gettext(english) == status
        assert str(COLUMN_LABELS[key]) == row == pgettext("funnel", english)
    with app.test_request_context(), force_locale("kk"):
        assert str(COLUMN_LABELS[key]) != gettext(english)


@pytest.mark.parametrize("age, ru, kk", [(21, "21 год", "21 жаста"), (34, "34 года", "34 жаста"),
                                         (38, "38 лет", "38 жаста"), (111, "111 лет", "111 жаста")])
def test_an_age_takes_the_plural_form_of_its_number(app, age, ru, kk):
    with app.test_request_context():
        with force_locale("ru"):
            assert ngettext("%(num)d year old", "%(num)d years old", age) == ru
        with force_locale("kk"):
            assert ngettext("%(num)d year old", "%(num)d years old", age) == kk


def test_the_russian_check_page_writes_the_age_in_years(client, app):
    check = client.get(fill_in(client, application_data(app), headers=RU).location, headers=RU)
    text = page_text(check)
    assert re.search(r"\(\d+ (год|года|лет)\)", text), text
    assert "возраст" not in text
