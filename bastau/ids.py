"""Row ids as they come from outside: in a URL's path, its query string, a form field or a JSON body.

Every id column is an INTEGER: at most 2,147,483,647 on PostgreSQL (SQLite's is wider, 2^63 - 1). A larger number
names no row, but handed to the database it is an error (PostgreSQL: "integer out of range"; SQLite: "Python int
too large"), which used to answer 500. So each way in goes through here, once: in a path the app's `int` converter
is bounded (a number out of range does not match the route: 404); elsewhere `as_id` gives None for anything that
cannot be an id (out of range, negative, signed, not ASCII digits), and the page treats it as nothing chosen or
nothing found, as it treats an id that no longer exists.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the narrowest id column of the databases Bastau runs on
LONGEST = len(str(MAX_ID))


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: ASCII digits (not any Unicode digit, as `\\d` would), at most MAX_ID."""
    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)

    def to_python(self, value: str) -> int:
        # Not found, whatever the method: werkzeug turns a ValidationError into 405 when a rule of another method
        # has the same path (GET and POST /defence/<id>/close), and it converts only the rule it has chosen.
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def init_app(app: Flask) -> None:
    """Before any route is added: the rules take their converter when they are added."""
    app.url_map.converters["int"] = DatabaseId


def as_id(value) -> int | None:
    """A value that can be a row id, as an int; else None. Takes a posted or queried string, or a JSON number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and 0 < len(value) <= LONGEST and value.isascii() and value.isdigit():
        number = int(value)
        return number if number <= MAX_ID else None
    return None


def as_ids(values: Iterable) -> list[int]:
    """The values that can be row ids (a form's ticked boxes), in order; the others are ignored."""
    return [number for value in values if (number := as_id(value)) is not None]


def query_id(name: str) -> int | None:
    """An id in the query string (?from=12), or None when absent or not an id."""
    return as_id(request.args.get(name))
