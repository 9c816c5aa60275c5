"""Kazakh by default, Russian on request; the choice is kept in a cookie.

Switching the language never loses what was typed. On a page with a form, the language switch is a submit
button of that form (`lang_form` in the page's template; with JavaScript, of any form with something typed in
it): it posts the fields to `POST /lang/<code>`, which keeps them in the server session as a draft of that page
and sends the browser back (303) to the page, now in the other language. The page's GET takes the draft:
every FlaskForm built from the request reads it as if it had been posted (`wrap_formdata` below), and pages
that draw fields by hand ask `language_draft()`. Pages with no form keep a plain link.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from babel.numbers import parse_pattern
from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session
from flask_babel import Domain, get_locale
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

# The templates' date filters, and every module's dates, are bastau/formats.py's own (no wrapper a row).
from .formats import long_date, short_date  # noqa: F401  (re-exported for the modules that print dates)
from .urls import safe_next

LANG_COOKIE = "lang"
DRAFT = "language_draft"  # session key: {"path": page, "fields": [[name, value], ...], "check": bool}
_LARGEST_DRAFT = 20_000  # characters: a form, not a file
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


def _chosen(response, code: str):
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/lang/<code>")
def switch(code: str):
    """Switch language and come back to the same page (a page with nothing typed in it)."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    return _chosen(redirect(safe_next(request.args.get("next"))), code)


@bp.post("/lang")
def keep_and_switch():
    """The language switch pressed on a form (the button's `_lang`): keep what was typed as a draft of the page,
    then show the page again in the other language. Only what was in the form is kept: nothing is sent on."""
    code = _posted_language()
    target = safe_next(request.args.get("next"))
    keep_draft(target)
    return _chosen(redirect(target, code=303), code)


def _posted_language() -> str:
    code = request.form.get("_lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    return code


def keep_draft(target: str) -> None:
    fields = [[name, value] for name, value in request.form.items(multi=True)
              if name != "csrf_token" and not name.startswith("_lang")]
    if fields and sum(len(name) + len(value) for name, value in fields) <= _LARGEST_DRAFT:
        session[DRAFT] = {"path": urlsplit(target).path, "fields": fields, "check": request.args.get("check") == "1"}


def _switch_after_expired_token():
    """The page stood open past its session: if the form came from our own page (the browser's Origin header),
    switch and keep the typed fields all the same; a form from another site is refused, so that nobody can plant
    a draft in someone's session."""
    origin = urlsplit(request.headers.get("Origin") or "")
    if not origin.netloc or origin.netloc != request.host:
        from .errors import error_page
        return error_page(400)
    code = _posted_language()
    target = safe_next(request.args.get("next"))
    keep_draft(target)
    return _chosen(redirect(target, code=303), code)


keep_and_switch.on_csrf_error = _switch_after_expired_token


def _take_draft() -> None:
    """Before a page is drawn: a draft left by the language switch for this very page is taken (once)."""
    if request.method != "GET" or DRAFT not in session or request.path.startswith("/static/"):
        return
    if request.headers.get("HX-Request") == "true":
        return  # a fragment (a district list) loading: the page's own draft waits for the page
    draft = session.pop(DRAFT)
    if isinstance(draft, dict) and draft.get("path") == request.path:
        g.language_draft = MultiDict([tuple(pair) for pair in draft.get("fields", []) if len(pair) == 2])
        g.language_check = bool(draft.get("check"))


def language_draft() -> MultiDict | None:
    """What was typed on this page before the language was switched (None if nothing)."""
    return g.get("language_draft")


def language_check() -> bool:
    """The page showed messages about its fields when the language was switched: show them again."""
    return bool(g.get("language_check"))


def _forms_read_the_draft() -> None:
    """Every FlaskForm built from the request on a GET reads the language draft as if it had been posted."""
    from flask_wtf import form as flask_wtf_form
    meta = flask_wtf_form.FlaskForm.Meta
    if getattr(meta, "_reads_language_draft", False):
        return
    original = meta.wrap_formdata

    def wrap_formdata(self, form, formdata):
        if formdata is flask_wtf_form._Auto and not flask_wtf_form._is_submitted():
            draft = language_draft()
            if draft is not None:
                return draft
        return original(self, form, formdata)

    meta.wrap_formdata = wrap_formdata
    meta._reads_language_draft = True


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


class OncePerRequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalogue found once per request (and per forced locale):
    Flask-Babel looks the domain, the locale and its catalogue cache up again for every string, about half of what
    a page's thirty strings cost. Every gettext (templates, lazy form labels, Python code) comes here."""

    def get_translations(self):
        try:
            context = g._flask_babel
            kept = context.bastau_translations
            if kept[0] is context.babel_locale:
                return kept[1]
        except (AttributeError, RuntimeError):  # not looked up yet in this request, or no request at all
            pass
        translations = super().get_translations()
        if not g:
            return translations  # outside a request: Flask-Babel's own answer, nothing to keep it in
        context = g._flask_babel  # made by the look-up
        context.bastau_translations = (context.babel_locale, translations)
        return translations


def _translate_once_per_request(app: Flask, babel) -> None:
    domain = OncePerRequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    babel.domain_instance = domain  # what flask_babel.gettext and lazy_gettext use
    app.jinja_env.install_gettext_callables(  # what the templates' _() use, without looking the domain up each time
        gettext=lambda string: domain.get_translations().ugettext(string),
        ngettext=lambda singular, plural, n: domain.get_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: domain.get_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: domain.get_translations().unpgettext(context, singular, plural,
                                                                                            n),
        newstyle=True)
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _page_gettext(domain)  # `_` straight to it


def _page_gettext(domain):
    """Jinja's newstyle _(), quicker (3.6 µs a call, and a cohort's page made 150 of them). Every template is HTML,
    so the words come as Markup and what is filled in is escaped by Markup's `%`, as newstyle gettext does; not a
    pass_context function, whose call through Jinja's context cost more than the look-up; and a string with nothing
    to fill in is translated once per catalogue and kept (templates give only literal strings: a bounded set)."""
    def gettext(string, **variables):
        translations = domain.get_translations()
        if variables:
            return Markup(translations.ugettext(string)) % variables
        words = _PAGE_WORDS.get(id(translations))
        if words is None or words[0] is not translations:
            words = _PAGE_WORDS[id(translations)] = (translations, {})  # the catalogue held: its id stays its own
        found = words[1].get(string)
        if found is None:
            text = Markup(translations.ugettext(string))
            found = text % {} if "%" in text else text  # "%%" in a message is a percent sign
            if len(words[1]) < _PAGE_WORDS_KEPT:
                words[1][string] = found
        return found
    return gettext


_PAGE_WORDS: dict[int, tuple[object, dict[str, Markup]]] = {}
_PAGE_WORDS_KEPT = 5000  # the templates' messages are about 1,500; a bound all the same


def init_app(app: Flask, babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    _translate_once_per_request(app, babel)
    app.register_blueprint(bp)
    app.before_request(_take_draft)
    _forms_read_the_draft()
    app.jinja_env.filters.update(long_date=long_date, short_date=short_date, tenge=tenge, phone=phone)
    from .formats import percent  # one percentage format for pages, messages and exports
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()), language_draft=language_draft)


def alphabetical(text: str) -> bytes:
    """Sort key for names in the page language's alphabetical order (Ә after А, not after Я): bastau.collation."""
    from .collation import name_key
    return name_key()(text)
