"""One way to search text columns: case-insensitive "contains", with `%` and `_` taken literally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_

ESCAPE = "\\"


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards (`%`, `_`) and the escape character itself made literal."""
    return (text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%")
            .replace("_", ESCAPE + "_"))


def contains_text(text: str, *columns: Any) -> ColumnElement[bool]:
    """True where any of `columns` contains `text` (trimmed, any case); wildcards match themselves."""
    pattern = f"%{like_escape(text.strip().lower())}%"
    return or_(*(func.lower(column).like(pattern, escape=ESCAPE) for column in columns))
