"""Kazakhstan's public holidays and the 12 training modules, read from the data files."""
from __future__ import annotations

import csv
import json
from datetime import date
from functools import cache

from flask_babel import get_locale

from .config import ROOT

DATA = ROOT / "bastau" / "data"


@cache
def public_holidays() -> frozenset[date]:
    with open(DATA / "holidays.csv", encoding="utf-8", newline="") as handle:
        return frozenset(date.fromisoformat(row["date"]) for row in csv.DictReader(handle))


@cache
def _modules() -> dict[int, dict[str, str]]:
    with open(DATA / "modules.json", encoding="utf-8") as handle:
        return {m["number"]: m for m in json.load(handle)}


def module_title(number: int, language: str | None = None) -> str:
    """A module's title in the given language (default: the page's)."""
    return _modules()[number][language or ("ru" if str(get_locale()) == "ru" else "kk")]
