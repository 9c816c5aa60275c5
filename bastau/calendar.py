"""Kazakhstan's public holidays and transferred days (kept by the national administrators in CalendarDay, with
the `holidays` package's Kazakhstan calendar as the source for new years) and the 12 training modules."""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import sqlalchemy as sa
from flask_babel import get_locale

from . import rules
from .config import ROOT
from .extensions import db
from .models import CalendarDay, DayKind

DATA = ROOT / "bastau" / "data"


@dataclass(frozen=True)
class _Days:
    off: frozenset[date]      # holidays and days off: no training
    working: frozenset[date]  # weekend days made working days


def _days() -> _Days:
    # Local import: bastau.reference imports the models, as this module does; no cycle at import time.
    from .reference import kept

    def load() -> _Days:
        rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all()
        return _Days(off=frozenset(day for day, kind in rows if kind != DayKind.WORKING_DAY),
                     working=frozenset(day for day, kind in rows if kind == DayKind.WORKING_DAY))
    return kept("calendar", load)


def public_holidays() -> frozenset[date]:
    """Days with no training: public holidays and days off, as the national administrators keep them
    (read once per request or job run, so a change takes effect at once everywhere)."""
    return _days().off


def transferred_working_days() -> frozenset[date]:
    """Weekend days made working days by a transfer (rules.TRANSFERRED_WORKING_DAYS_ARE_TRAINING_DAYS)."""
    return _days().working


def training_dates(start: date, days: int) -> list[date]:
    """A cohort's schedule by the calendar as it is kept now (rules.training_dates)."""
    found = _days()
    return rules.training_dates(start, days, found.off, found.working)


def holidays_in_file() -> frozenset[date]:
    """The holidays of bastau/data/holidays.csv (2017–2027), the calendar's starting point: for tests of the
    schedule rules that run without a database."""
    with open(DATA / "holidays.csv", encoding="utf-8", newline="") as handle:
        return frozenset(date.fromisoformat(row["date"]) for row in csv.DictReader(handle))


# ---- The Kazakhstan calendar of the `holidays` package, for a year not filled in yet ----

OBSERVED_KK, OBSERVED_RU = "қайта белгіленген демалыс", "перенесённый выходной"
ESTIMATED_KK, ESTIMATED_RU = "бағаланған", "дата ориентировочная"
# The package names some holidays differently from holidays.csv, or names holidays the file does not have.
_MORE_NAMES = {
    "Қазақстан Республикасының Конституциясы күні": "День Конституции Республики Казахстан",
    "Қазақстан Республикасы күні": "День Республики Казахстан",
    "Құрбан айт": "Курбан айт",
}
_SUFFIX = re.compile(r"^(?P<base>.*?) \((?P<notes>[^()]*)\)$")
_SUBSTITUTED = re.compile(r"^Демалыс күні \((?P<from>\d{2}\.\d{2}\.\d{4}) бастап ауыстырылды\)$")


@dataclass(frozen=True)
class PackageDay:
    day: date
    kind: DayKind
    name_kk: str
    name_ru: str
    observed: bool = False


@cache
def _russian_names() -> dict[str, tuple[str, str]]:
    """Kazakh name (lower case) -> (Kazakh as holidays.csv writes it, Russian), from the pairs of holidays.csv."""
    with open(DATA / "holidays.csv", encoding="utf-8", newline="") as handle:
        pairs = {row["name_kk"].strip(): row["name_ru"].strip() for row in csv.DictReader(handle)}
    pairs |= _MORE_NAMES
    return {kk.lower(): (kk, ru) for kk, ru in pairs.items()}


def _names(package_name: str) -> tuple[str, str, bool]:
    """(kk, ru, observed) for a name of the package: the name itself, then its notes in brackets."""
    base, notes = package_name.strip(), []
    found = _SUFFIX.match(base)
    if found and found["notes"] in (OBSERVED_KK, ESTIMATED_KK, f"{OBSERVED_KK}, {ESTIMATED_KK}"):
        base, notes = found["base"], found["notes"].split(", ")
    kk, ru = _russian_names().get(base.lower(), (base, base))
    if notes:
        russian = {OBSERVED_KK: OBSERVED_RU, ESTIMATED_KK: ESTIMATED_RU}
        kk = f"{kk} ({', '.join(notes)})"
        ru = f"{ru} ({', '.join(russian[note] for note in notes)})"
    return kk, ru, OBSERVED_KK in notes


def kazakhstan_calendar(year: int) -> list[PackageDay]:
    """The year's public holidays of Kazakhstan from the `holidays` package, in Kazakh and Russian: holidays,
    observed days off (only if rules.OBSERVED_REST_DAYS_ARE_DAYS_OFF), and the transfers the package knows
    (a day off and the weekend day worked instead)."""
    import holidays  # imported here: only the fill screen needs it

    found: dict[date, PackageDay] = {}
    for day, package_name in sorted(holidays.country_holidays("KZ", years=year, language="kk").items()):
        for one in package_name.split("; "):  # two holidays on one day come joined
            substituted = _SUBSTITUTED.match(one)
            if substituted:
                worked = datetime.strptime(substituted["from"], "%d.%m.%Y").date()
                found[day] = PackageDay(day, DayKind.DAY_OFF, f"Демалыс күні ({worked:%d.%m.%Y} орнына)",
                                        f"Выходной день (вместо {worked:%d.%m.%Y})")
                if worked.year == year:
                    found.setdefault(worked, PackageDay(worked, DayKind.WORKING_DAY,
                                                        f"Жұмыс күні ({day:%d.%m.%Y} демалыс күнінің орнына)",
                                                        f"Рабочий день (вместо выходного {day:%d.%m.%Y})"))
                continue
            kk, ru, observed = _names(one)
            if observed and not rules.OBSERVED_REST_DAYS_ARE_DAYS_OFF:
                continue
            if day not in found or found[day].observed:  # a holiday itself wins over an observed day
                found[day] = PackageDay(day, DayKind.DAY_OFF if observed else DayKind.HOLIDAY, kk, ru, observed)
    return [found[day] for day in sorted(found)]


@cache
def _modules() -> dict[int, dict[str, str]]:
    with open(DATA / "modules.json", encoding="utf-8") as handle:
        return {m["number"]: m for m in json.load(handle)}


def module_title(number: int, language: str | None = None) -> str:
    """A module's title in the given language (default: the page's)."""
    return _modules()[number][language or ("ru" if str(get_locale()) == "ru" else "kk")]
