"""URL converters: an `<int:…>` in a route matches only ids the database columns can hold."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

ID_MAX = 2_147_483_647  # PostgreSQL's INTEGER; SQLite's is wider, so this is the one bound for both


class BoundedInt(IntegerConverter):
    """`<int:id>` that answers 404 beyond an INTEGER column's range instead of a database error."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=ID_MAX if max is None else max, signed=signed)


def init_app(app: Flask) -> None:
    """Register before any route is added: rules bind their converters when they are added."""
    app.url_map.converters["int"] = BoundedInt
