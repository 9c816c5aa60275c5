"""The consent to the processing of personal data, as data: the exact text shown is stored by version.

A version's text (`data/consent/<version>.<language>.txt`) is a template with named fields ($operator_name, ...):
who the operator is comes from configuration (DATA_OPERATOR_*), the processors are named after the application's
district and region when they are known (else by their role), the period from PERSONAL_DATA_RETENTION_YEARS.
The words that fill the fields belong to the version too (`<version>.fields.json`), so an old version reads
as it did. Every application keeps the version and language it was agreed in.
"""
from __future__ import annotations

import json
from functools import cache
from string import Template

from babel import Locale
from flask import current_app

from .config import ROOT

VERSIONS = ("2026-1", "2026-2")  # oldest first; a new version is added here, never changed once shown
CURRENT_VERSION = VERSIONS[-1]
LANGUAGES = ("kk", "ru")
_FOLDER = ROOT / "bastau" / "data" / "consent"


@cache
def _template(version: str, language: str) -> Template:
    return Template((_FOLDER / f"{version}.{language}.txt").read_text(encoding="utf-8").strip())


@cache
def _words(version: str) -> dict:
    path = _FOLDER / f"{version}.fields.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def consent_text(language: str, version: str = CURRENT_VERSION, district=None) -> str:
    """The text as the person reads it; `district` (the application's) names the processors, else their roles."""
    return _template(version, language).substitute(_fields(version, language, district))


def _fields(version: str, language: str, district) -> dict:
    words = _words(version).get(language)
    if not words:
        return {}
    config = current_app.config
    years = config["PERSONAL_DATA_RETENTION_YEARS"]
    period = words["years"].get(Locale.parse(language).plural_form(years), words["years"]["other"])
    fields = {
        "operator_name": config[f"DATA_OPERATOR_NAME_{language.upper()}"],
        "operator_bin": config["DATA_OPERATOR_BIN"],
        "operator_address": config[f"DATA_OPERATOR_ADDRESS_{language.upper()}"],
        "retention_period": Template(period).substitute(years=years),
        "centre": words["centre_role"],
        "chamber_branch": words["branch_role"],
    }
    if district is not None:
        fields["centre"] = Template(words["centre_named"]).substitute(district=getattr(district, f"name_{language}"))
        fields["chamber_branch"] = Template(words["branch_named"]).substitute(
            region=getattr(district.region, f"name_{language}"))
    return fields


def every_version() -> list[dict]:
    """Each version with its text in each language, newest first (for the staff page)."""
    return [{"version": version, "current": version == CURRENT_VERSION,
             "texts": {language: consent_text(language, version) for language in LANGUAGES}}
            for version in reversed(VERSIONS)]


def paragraphs(text: str) -> list[str]:
    """The lines as the page shows them; the first is the title."""
    return [line for line in text.split("\n") if line.strip()]
