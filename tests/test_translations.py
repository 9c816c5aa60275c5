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
