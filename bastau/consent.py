"""The consent to the processing of personal data, as data: the exact text shown is stored by version."""
from functools import cache

from .config import ROOT

CURRENT_VERSION = "2026-1"
_FOLDER = ROOT / "bastau" / "data" / "consent"


@cache
def consent_text(language: str, version: str = CURRENT_VERSION) -> str:
    return (_FOLDER / f"{version}.{language}.txt").read_text(encoding="utf-8").strip()
