"""Every SMS fits two UCS-2 parts in both languages with the longest realistic values, says nothing that
identifies the person, and is really translated."""
from __future__ import annotations

import math
import re

import pytest
from flask_babel import force_locale

from bastau.sms.texts import TEXTS

# The longest values each placeholder realistically takes.
LONGEST = {
    "reference": "BB-2026-000123", "url": "https://bastau.atameken.kz/status", "code": "20262026",
    "reason": "мәліметтерді растауға келмеді", "score": "28/40",
    "date": "30 қыркүйек", "venue": "Қаскелең, Абылай хан 25, 2-кабинет", "place": "Қаскелең, аудан әкімдігі",
    "days": 3, "number": "BB26-ACDEFGHJKM", "lender": "Ауыл шаруашылығын қаржылай қолдау қоры", "months": 12,
}
UCS2_ONE_PART, UCS2_PER_PART = 70, 67


def parts(text: str) -> int:
    return 1 if len(text) <= UCS2_ONE_PART else math.ceil(len(text) / UCS2_PER_PART)


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_each_message_fits_two_parts_and_names_nobody(app, kind, locale):
    with app.app_context(), force_locale(locale):
        text = str(TEXTS[kind]) % LONGEST
        english = None
    with app.app_context(), force_locale("en"):
        english = str(TEXTS[kind]) % LONGEST
    assert text != english, f"{kind} is not translated into {locale}"
    assert parts(text) <= 2, f"{kind} ({locale}) takes {parts(text)} parts, {len(text)} characters: {text}"
    assert not re.search(r"\d{12}", text), "no IIN in an SMS"
    assert "%(" not in text


def test_the_part_count_follows_ucs2():
    assert parts("а" * 70) == 1 and parts("а" * 71) == 2 and parts("а" * 134) == 2 and parts("а" * 135) == 3
