"""Every message has a real Kazakh and Russian translation, with the same placeholders."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


def catalogue(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def template_ids():
    with open(ROOT / "translations" / "messages.pot", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_message_is_translated(locale):
    messages = [m for m in catalogue(locale) if m.id]
    assert {m.id for m in messages} >= template_ids(), "run `make translations`"
    untranslated = [m.id for m in messages if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated and not fuzzy, (untranslated, fuzzy)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_placeholders_survive_translation(locale):
    for message in catalogue(locale):
        if message.id and isinstance(message.id, str):
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id


def test_every_marked_string_is_in_the_template():
    """A string marked in code but missing from messages.pot would show in English."""
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                        "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--no-location", "-o", str(out), "."],
                       cwd=ROOT, check=True, capture_output=True)
        with open(out, "rb") as handle:
            fresh = {m.id for m in read_po(handle) if m.id}
    assert fresh <= template_ids(), f"run `make translations`: {sorted(fresh - template_ids(), key=str)[:5]}"


def test_the_templates_gettext_escapes_what_is_filled_in_and_keeps_plain_words(app):
    """`_()` in templates (bastau.i18n._page_gettext): words as Markup, values escaped, the same words each time."""
    from flask_babel import force_locale
    with app.test_request_context("/"), force_locale("ru"):
        words = app.jinja_env.globals["_"]
        filled = app.jinja_env.from_string('{{ _("Cohort %(title)s", title=t) }}').render(t="<b>&")
        assert "&lt;b&gt;&amp;" in filled and "<b>" not in filled
        assert words("Sign out") == words("Sign out") == str(words("Sign out")) != "Sign out"  # Russian, kept
    with app.test_request_context("/"), force_locale("kk"):
        kazakh = app.jinja_env.from_string('{{ _("Sign out") }}').render()
    with app.test_request_context("/"), force_locale("ru"):
        assert app.jinja_env.from_string('{{ _("Sign out") }}').render() != kazakh  # one catalogue each
