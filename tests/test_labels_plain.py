"""labels.plain: a label table as plain strings in the page's language, made once per process and language."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from bastau.labels import STATUS_LABELS, plain
from bastau.models import Status


def test_each_language_gets_its_own_words_and_the_same_table_again(app):
    with app.test_request_context("/"):
        with force_locale("kk"):
            kazakh = plain(STATUS_LABELS)
            assert plain(STATUS_LABELS) is kazakh  # made once
        with force_locale("ru"):
            russian = plain(STATUS_LABELS)
    assert kazakh[Status.SUBMITTED] != russian[Status.SUBMITTED]
    assert all(isinstance(word, str) and word for word in {**kazakh, **russian}.values())
    assert kazakh.keys() == russian.keys() == STATUS_LABELS.keys()


def test_a_table_made_on_the_fly_is_never_answered_with_another_ones_words(app):
    with app.test_request_context("/"), force_locale("ru"):
        for round_number in range(100):  # each table dropped at once: its id is given again to the next one
            words = {"x": _l("Sign out") if round_number % 2 else _l("Continue")}
            assert plain(words)["x"] == str(words["x"])
            del words
