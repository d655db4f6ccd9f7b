"""Reading a framework file's rows: a capabilities CSV or a whole-framework JSON document.

Only the file's own shape is checked here (header, columns, types); the rows are checked against
the company's framework in `framework_checks`. Row numbers count the CSV header as row 1; in
JSON they count capabilities from 1 in file order.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from app.csvout import DANGEROUS
from app.people.importer import RowError

from .framework_plan import BASE_COLUMNS, FrameworkPlan, RawRow, is_number
from .frameworks import LevelData

MAX_ROWS = 100_000
TRUE = {"yes", "y", "true", "1", "retired"}


def _cell(value: str | None) -> str:
    """A CSV cell, stripped; an export's neutralised formula cell ('=…) reads back as written."""
    value = (value or "").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in DANGEROUS:
        return value[1:]
    return value


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _level_columns(plan: FrameworkPlan, header: list[str]) -> list[str] | None:
    """The header's level_N columns, or None (with the error) when the header is unusable."""
    missing = [c for c in ("category", "name") if c not in header]
    if not header or missing:
        plan.errors.append(RowError(0, None, "The first line must be the header "
                                    f"{','.join(BASE_COLUMNS)} (optionally level_1…level_N, "
                                    f"retired); missing {', '.join(missing or BASE_COLUMNS)}."))
        return None
    levels = [h for h in header if h.startswith("level_")]
    bad = [h for h in levels if not is_number(h[6:])]
    if bad:
        plan.errors.append(RowError(0, None, f"Column {bad[0]} must be level_ and a number."))
        return None
    return levels


def _csv_row(v: dict[str, str], levels: list[str]) -> dict[str, Any]:
    """One CSV row's cells in the shape the checks read."""
    retired = v.get("retired")
    return {
        "category": v.get("category", ""), "name": v.get("name", ""),
        "description": v.get("description", ""), "external_id": v.get("external_id", ""),
        "descriptors": {h[6:]: v[h] for h in levels if v.get(h)},
        "retired": None if retired is None else retired.lower() in TRUE}


def read_csv_rows(plan: FrameworkPlan, reader: csv.DictReader[str], header: list[str]) -> None:
    """The CSV's rows into `plan.rows_raw` (problems with the file itself into its errors)."""
    levels = _level_columns(plan, header)
    if levels is None:
        return
    reader.fieldnames = header
    raw = plan.rows_raw
    for number, values in enumerate(reader, start=2):
        if None in values:
            plan.errors.append(RowError(number, None, "More values than columns."))
            continue
        v = {k: _cell(x) for k, x in values.items()}
        if not any(v.values()):
            continue
        raw.append((number, _csv_row(v, levels)))
        if len(raw) > MAX_ROWS:
            plan.errors.append(RowError(0, None, f"More than {MAX_ROWS} rows; split the file."))
            return


def load_json(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The document as an object with a 'categories' list, or None and why not."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return None, f"Not valid JSON: {exc}."
    if not isinstance(doc, dict) or not isinstance(doc.get("categories"), list):
        return None, "The JSON must be an object with 'framework', 'scale' and 'categories'."
    return doc, None


def json_plan(doc: dict[str, Any], framework_name: str | None,
              scale_name: str | None) -> FrameworkPlan:
    """The plan's head from the document (the name and scale may be overridden)."""
    fw: dict[str, Any] = doc["framework"] if isinstance(doc.get("framework"), dict) else {}
    sc: dict[str, Any] = doc["scale"] if isinstance(doc.get("scale"), dict) else {}
    return FrameworkPlan(str(framework_name or fw.get("name") or "").strip(),
                         str(scale_name or sc.get("name") or "").strip() or None,
                         description=_text_or_none(fw.get("description")))


def read_json_levels(plan: FrameworkPlan, doc: dict[str, Any]) -> bool:
    """The scale levels the document carries into the plan; False (with the error) if unreadable."""
    sc: dict[str, Any] = doc["scale"] if isinstance(doc.get("scale"), dict) else {}
    if isinstance(sc.get("levels"), list) and sc["levels"]:
        try:
            plan.scale_levels = [LevelData(int(x["level"]), str(x["name"]).strip(),
                                           _text_or_none(x.get("descriptor")))
                                 for x in sc["levels"]]
        except (KeyError, TypeError, ValueError, OverflowError):  # 1e999 is a float: inf
            plan.errors.append(RowError(0, "scale", "Each scale level needs 'level' and 'name'."))
            return False
    return True


def _json_capability(plan: FrameworkPlan, number: int, cat: dict[str, Any],
                     c: Any) -> RawRow | None:
    """One capability object as a row, or None (with the error) if it is not an object."""
    if not isinstance(c, dict):
        plan.errors.append(RowError(number, None, "A capability must be an object."))
        return None
    descriptors = c.get("descriptors") or {}
    if not isinstance(descriptors, dict) or not all(is_number(str(k)) for k in descriptors):
        plan.errors.append(RowError(number, "descriptors",
                                    "Descriptors map level numbers to text."))
        descriptors = {}
    return (number, {
        "category": str(cat.get("name") or "").strip(),
        "name": str(c.get("name") or "").strip(),
        "description": str(c.get("description") or "").strip(),
        "external_id": str(c.get("external_id") or "").strip(),
        "descriptors": {str(k): str(v) for k, v in descriptors.items() if v},
        "retired": bool(c.get("retired", False))})


def read_json_rows(plan: FrameworkPlan, categories: list[Any]) -> list[RawRow]:
    """The document's capabilities, numbered from 1 in file order, as rows."""
    raw: list[RawRow] = []
    number = 0
    for cat in categories:
        caps = cat.get("capabilities") if isinstance(cat, dict) else None
        if not isinstance(caps, list):
            plan.errors.append(RowError(0, "categories", "Each category needs a 'capabilities' "
                                        "list."))
            continue
        for c in caps:
            number += 1
            row = _json_capability(plan, number, cat, c)
            if row is not None:
                raw.append(row)
    return raw
