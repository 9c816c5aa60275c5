"""Plain inputs and selects are drawn by Bastau itself (bastau.web.draw, and control for the `field` macro); they
must be exactly what WTForms draws, for every field of every form of the app, in every state a page shows them in."""
from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields.core import UnboundField

from wtforms.widgets import Select

from bastau.web import _PLAIN_INPUTS, control, draw

HOSTILE = 'a"b<c>&d\'e «Әлия»'  # what a person might type, and what must be escaped


def _every_form_class(root=FlaskForm):
    for cls in root.__subclasses__():
        yield cls
        yield from _every_form_class(cls)


def _copy(form_class):
    """The form's fields on a bare Form: no constructor arguments (some forms need a user or a cohort), no CSRF."""
    fields = {}
    for klass in reversed(form_class.__mro__):
        fields.update({name: value for name, value in vars(klass).items() if isinstance(value, UnboundField)})
    return type(f"Copy{form_class.__name__}", (Form,), fields)


def _plain_fields(app):
    with app.test_request_context("/"):
        for form_class in sorted(set(_every_form_class()), key=lambda c: c.__qualname__):
            form = _copy(form_class)()
            for field in form:
                if type(field.widget).__call__ in _PLAIN_INPUTS or type(field.widget) is Select:
                    yield form_class.__qualname__, field.name


def _with_choices(field, typed):
    """A select whose choices come from the database at run time gets some here, one of them chosen."""
    if type(field.widget) is Select and not field.choices:
        field.choices = [("", "—"), ("1", "Бір"), (HOSTILE, HOSTILE)]
        field.process(MultiDict({field.name: typed}) if typed else None)


def test_plain_inputs_are_drawn_as_wtforms_draws_them(app):
    compared = 0
    with app.test_request_context("/"):
        classes = {c.__qualname__: c for c in _every_form_class()}
        for class_name, name in _plain_fields(app):
            for typed in (None, HOSTILE):
                form = _copy(classes[class_name])(MultiDict({name: typed}) if typed else None)
                field = form[name]
                _with_choices(field, typed)
                for errors, description in ((), ""), (["wrong"], "a hint"), (["wrong"], ""), ((), "a hint"):
                    field.errors, field.description = list(errors), description
                    for wide, attrs in (False, None), (True, {"autofocus": True, "inputmode": "numeric"}), \
                            (False, {"class": "mine", "data_x": "1", "readonly": False}):
                        expected = field(**{**(attrs or {}), "class": "wide" if wide else False,
                                            "aria-describedby": " ".join(
                                                filter(None, ["%s-hint" % field.id if description else "",
                                                              "%s-error" % field.id if errors else ""])) or False,
                                            "aria-invalid": "true" if errors else False})
                        assert control(field, wide, attrs) == expected, (class_name, name, typed, errors, attrs)
                        assert draw(field, **(attrs or {})) == field(**(attrs or {}))
                        compared += 1
    assert compared > 60 * 24  # every plain input and select of every form, not a handful


def test_a_password_is_never_drawn_back(app):
    with app.test_request_context("/"):
        from bastau.accounts.forms import PasswordChangeForm
        form = _copy(PasswordChangeForm)(MultiDict({"current_password": "secret-typed"}))
        drawn = control(form.current_password)
        assert 'value=""' in drawn and "secret-typed" not in drawn
        assert 'autocomplete="current-password"' in drawn and "required" in drawn


@pytest.mark.parametrize("typed", [HOSTILE])
def test_what_was_typed_comes_back_escaped(app, typed):
    with app.test_request_context("/"):
        from bastau.accounts.forms import AccountForm
        form = _copy(AccountForm)(MultiDict({"full_name": typed}))
        drawn = control(form.full_name, True)
        assert 'value="a&#34;b&lt;c&gt;&amp;d&#39;e «Әлия»"' in drawn and 'class="wide"' in drawn
