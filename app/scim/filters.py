"""SCIM filters (RFC 7644 §3.4.2.2): parsed once, then turned into SQL for list queries or
evaluated on JSON for PATCH paths such as `emails[type eq "work"].value`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, true

from ..search import ESCAPE, like_escape
from .errors import ScimError

CORE_PREFIXES = ("urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:")
OPERATORS = {"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"}
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<punct>[()\[\]])|(?P<word>[^\s()\[\]"]+))""")


@dataclass(frozen=True)
class Compare:
    attr: str  # lower-case, core URN stripped (e.g. "emails.value")
    op: str
    value: Any = None


@dataclass(frozen=True)
class Logical:
    op: str  # "and" / "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class ValuePath:
    attr: str
    inner: Node


Node = Compare | Logical | Not | ValuePath


def attr_name(raw: str) -> str:
    """An attribute path as compared here: lower-case, without the core schema's URN."""
    name = raw.lower()
    for prefix in CORE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ScimError(400, f"Cannot read the filter near '{text[pos:pos + 20]}'.", "invalidFilter")
        kind = match.lastgroup or "word"
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ScimError(400, "The filter ends too early.", "invalidFilter")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise ScimError(400, f"The filter misses a '{text}'.", "invalidFilter")

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() is not None:
            raise ScimError(400, f"Unexpected '{self.peek()}' in the filter.", "invalidFilter")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while (self.peek() or "").lower() == "or":
            self.take()
            node = Logical("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.unary()
        while (self.peek() or "").lower() == "and":
            self.take()
            node = Logical("and", node, self.unary())
        return node

    def unary(self) -> Node:
        word = (self.peek() or "").lower()
        if word == "not":
            self.take()
            self.expect("(")
            inner = self.or_expr()
            self.expect(")")
            return Not(inner)
        if word == "(":
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Node:
        kind, raw = self.take()
        if kind != "word":
            raise ScimError(400, f"Expected an attribute name, found '{raw}'.", "invalidFilter")
        attr = attr_name(raw)
        if self.peek() == "[":
            self.take()
            inner = self.or_expr()
            self.expect("]")
            return ValuePath(attr, inner)
        op = self.take()[1].lower()
        if op not in OPERATORS:
            raise ScimError(400, f"'{op}' is not a SCIM filter operator.", "invalidFilter")
        if op == "pr":
            return Compare(attr, op)
        return Compare(attr, op, _literal(*self.take()))


def _literal(kind: str, raw: str) -> Any:
    if kind == "str":
        return json.loads(raw)
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ScimError(400, f"'{raw}' is not a value (quote strings).", "invalidFilter") from None


def parse(text: str) -> Node:
    """Parse a filter; a ScimError(400, invalidFilter) says what is wrong with it."""
    if len(text) > 2000:
        raise ScimError(400, "The filter is too long.", "invalidFilter")
    return _Parser(text).parse()


# --- SQL --------------------------------------------------------------------------------------

SqlAttr = Callable[[str, Any], ColumnElement[bool]]


def text_column(column: Any) -> SqlAttr:
    """Case-insensitive string comparisons on one column (SCIM's caseExact: false)."""

    def compare(op: str, value: Any) -> ColumnElement[bool]:
        if op == "pr":
            return and_(column.is_not(None), column != "")
        if not isinstance(value, str):
            return false() if op != "ne" else true()
        low, col = value.lower(), func.lower(column)
        patterns = {"co": f"%{like_escape(low)}%", "sw": f"{like_escape(low)}%", "ew": f"%{like_escape(low)}"}
        if op in patterns:
            return col.like(patterns[op], escape=ESCAPE)
        return {"eq": col == low, "ne": or_(column.is_(None), col != low), "gt": col > low,
                "ge": col >= low, "lt": col < low, "le": col <= low}[op]

    return compare


def id_column(column: Any) -> SqlAttr:
    """`id eq "12"`: ids are integers shown as strings."""

    def compare(op: str, value: Any) -> ColumnElement[bool]:
        if op == "pr":
            return true()
        if op not in ("eq", "ne"):
            raise ScimError(400, "Compare ids with eq or ne.", "invalidFilter")
        oid = int(value) if isinstance(value, str) and value.isdigit() and len(value) < 18 else None
        hit = column == oid if oid is not None else false()
        return hit if op == "eq" else not_(hit)

    return compare


def to_sql(node: Node, attrs: Mapping[str, SqlAttr]) -> ColumnElement[bool]:
    """The filter as a SQL condition; an attribute outside `attrs` is refused (400)."""
    if isinstance(node, Logical):
        parts = (to_sql(node.left, attrs), to_sql(node.right, attrs))
        return and_(*parts) if node.op == "and" else or_(*parts)
    if isinstance(node, Not):
        return not_(to_sql(node.inner, attrs))
    if isinstance(node, ValuePath):
        return to_sql(_flatten(node.attr, node.inner), attrs)
    compare = attrs.get(node.attr)
    if compare is None:
        known = ", ".join(sorted({a for a in attrs if "." not in a}))
        raise ScimError(400, f"Filtering on '{node.attr}' is not supported; use {known}.", "invalidFilter")
    return compare(node.op, node.value)


def _flatten(prefix: str, node: Node) -> Node:
    """`emails[value eq "x"]` as `emails.value eq "x"` (enough for the single-valued columns here)."""
    if isinstance(node, Compare):
        return Compare(f"{prefix}.{node.attr}", node.op, node.value)
    if isinstance(node, Logical):
        return Logical(node.op, _flatten(prefix, node.left), _flatten(prefix, node.right))
    if isinstance(node, Not):
        return Not(_flatten(prefix, node.inner))
    raise ScimError(400, "Nested value filters are not supported.", "invalidFilter")


# --- JSON (PATCH paths) -----------------------------------------------------------------------

def get_ci(obj: Mapping[str, Any], key: str) -> Any:
    """`obj[key]` with SCIM's case-insensitive attribute names."""
    for k, v in obj.items():
        if k.lower() == key.lower():
            return v
    return None


def matches(node: Node, item: Any) -> bool:
    """Whether one JSON value (a multi-valued attribute's element) satisfies the filter."""
    if isinstance(node, Logical):
        left = matches(node.left, item)
        return (left and matches(node.right, item)) if node.op == "and" else (left or matches(node.right, item))
    if isinstance(node, Not):
        return not matches(node.inner, item)
    if isinstance(node, ValuePath):
        inner = get_ci(item, node.attr) if isinstance(item, dict) else None
        return any(matches(node.inner, x) for x in (inner if isinstance(inner, list) else [inner]) if x is not None)
    value: Any = item
    for part in node.attr.split("."):
        value = get_ci(value, part) if isinstance(value, dict) else None
    return _compare(node.op, value, node.value)


def _compare(op: str, actual: Any, wanted: Any) -> bool:
    if op == "pr":
        return actual not in (None, "", [], {})
    if isinstance(actual, str) and isinstance(wanted, str):
        actual, wanted = actual.lower(), wanted.lower()
    if op == "eq":
        return bool(actual == wanted)
    if op == "ne":
        return bool(actual != wanted)
    if not isinstance(actual, str) or not isinstance(wanted, str):
        return False
    return {"co": wanted in actual, "sw": actual.startswith(wanted), "ew": actual.endswith(wanted),
            "gt": actual > wanted, "ge": actual >= wanted, "lt": actual < wanted,
            "le": actual <= wanted}[op]
