"""Issue 20: after a failed submit the page's title says so first ("Қате: …" / "Ошибка: …"), so that a screen
reader, which reads the title of the new page, tells at once that the form was refused. One place decides it
(templates/base.html): an error summary or a refusal message on the page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import login, page_text, post_form, translated
from tests.test_trainer import day_of, day_url, group, save, trainer  # noqa: F401 — fixtures

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
LOCALES = ("kk", "ru")


def title_of(response) -> str:
    return TITLE.search(page_text(response)).group(1)


def prefix(locale: str) -> str:
    return translated("Error: %(title)s", locale, title="").strip()  # "Қате:" / "Ошибка:"


def error_title(page: str, locale: str) -> str:
    return translated("Error: %(title)s", locale, title=translated(page, locale)) + " · " + translated(
        "Bastau Business", locale)


@pytest.fixture(params=LOCALES)
def locale(request):
    return request.param


@pytest.mark.parametrize(("url", "page", "data"), [
    ("/apply", "Application", {"action": "continue"}),
    ("/status", "Check my application", {}),
    ("/staff/login", "Staff sign-in", {}),
    ("/test", "Entrepreneurship test", {}),
])
def test_a_refused_public_form_says_error_first_in_the_title(client, locale, url, page, data):
    client.set_cookie("lang", locale)
    shown = client.get(url)
    assert not title_of(shown).startswith(prefix(locale))
    refused = post_form(client, url, data)
    assert 'class="error-summary"' in page_text(refused) or 'role="alert"' in page_text(refused)
    assert title_of(refused) == error_title(page, locale)


def test_a_wrong_password_says_error_first(client, make_user, locale):
    from bastau.models import Role
    user = make_user(Role.OPERATOR)
    client.set_cookie("lang", locale)
    refused = post_form(client, "/staff/login", {"login": user.username, "password": "not the password"})
    assert title_of(refused) == error_title("Staff sign-in", locale)


def test_the_register_with_an_excused_absence_without_reason_says_error_first(trainer, group, locale):  # noqa: F811
    trainer.set_cookie("lang", locale)
    day_id = day_of(group, 0)
    assert not title_of(trainer.get(day_url(day_id))).startswith(prefix(locale))
    refused = save(trainer, day_id, {group["people"][2]: "excused"})
    assert refused.status_code == 422
    assert title_of(refused).startswith(translated("Error: %(title)s", locale, title=translated("Attendance", locale)))


def test_a_page_without_a_form_error_keeps_its_title(client, locale):
    client.set_cookie("lang", locale)
    for url in ("/", "/training", "/certificates"):
        assert not title_of(client.get(url)).startswith(prefix(locale)), url
