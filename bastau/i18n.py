"""Kazakh by default, Russian on request; the choice is kept in a cookie."""
from __future__ import annotations

from babel.numbers import parse_pattern
from flask import Blueprint, Flask, abort, current_app, redirect, request
from flask_babel import format_date as babel_format_date
from flask_babel import get_locale

from .urls import safe_next

LANG_COOKIE = "lang"
# Parsed once: Babel parses a format string on every call, which shows on pages with hundreds of figures.
_WHOLE = parse_pattern("#,##0")
_ONE_DECIMAL = parse_pattern("#,##0.0")
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.get("/lang/<code>")
def switch(code: str):
    """Switch language and come back to the same page."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def long_date(value) -> str:
    """12 March 1990 in the page's language: «1990 ж. 12 наурыз» / «12 марта 1990 г.»."""
    return babel_format_date(value, "long") if value else ""


def short_date(value) -> str:
    return babel_format_date(value, "dd.MM.yyyy") if value else ""


def phone(number: str) -> str:
    """+77011234567 as people read it: +7 701 123 45 67."""
    from .rules import format_mobile
    return format_mobile(number) if number and len(number) == 12 else number or ""


def whole_number(value: int) -> str:
    """12 345 (kk, ru: a no-break space between thousands)."""
    return _WHOLE.apply(value, get_locale() or "kk")


def one_decimal(value: float) -> str:
    return _ONE_DECIMAL.apply(value, get_locale() or "kk")


def tenge(amount: int) -> str:
    """Money in whole tenge with the locale's grouping: 34 600 000 ₸."""
    return f"{whole_number(amount)}\u00a0₸"


def init_app(app: Flask, babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.filters.update(long_date=long_date, short_date=short_date, tenge=tenge, phone=phone)
    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()))


# Kazakh Cyrillic order; it contains the Russian alphabet in the Russian order.
_ALPHABET = "АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЪЫІЬЭЮЯ"
_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}


def alphabetical(text: str) -> tuple:
    """Sort key for Cyrillic names as people expect (Ә after А, not after Я)."""
    return tuple(_RANK.get(ch, 100 + ord(ch)) for ch in text.upper())
