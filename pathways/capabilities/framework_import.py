"""Framework import: CSV (capabilities) and JSON (the whole framework); the entry points.

CSV header: `category,name,description,external_id` plus optional `level_1`…`level_N`
(per-level descriptors) and `retired` (yes/no). JSON: {"framework": {name, description},
"scale": {name, levels: [{level, name, descriptor}]}, "categories": [{name, capabilities:
[{name, description, external_id, descriptors: {"1": …}, retired}]}]}.

`parse` validates everything and writes nothing; `apply` writes a valid plan in bulk (all or
nothing: the caller commits once). A row updates the capability with the same `external_id`,
or, without one, the same category + name; otherwise it creates one. Row numbers count the CSV
header as row 1; in JSON they count capabilities from 1 in file order.

The work is split by step: reading the file (`framework_files`), checking the rows against the
framework and planning creates/updates (`framework_checks`), writing the plan
(`framework_apply`); the plan itself is `framework_plan.FrameworkPlan`.
"""

from __future__ import annotations

import csv
import io

from app.people.importer import RowError

from .framework_apply import apply
from .framework_checks import validate
from .framework_files import json_plan, load_json, read_csv_rows, read_json_levels, read_json_rows
from .framework_plan import BASE_COLUMNS, FrameworkPlan

__all__ = ["BASE_COLUMNS", "FrameworkPlan", "apply", "parse", "parse_csv", "parse_json"]


def parse_csv(company_id: int, text: str, framework_name: str, scale_name: str | None = None
              ) -> FrameworkPlan:
    """Validate a capabilities CSV for the framework `framework_name`; nothing is written."""
    plan = FrameworkPlan((framework_name or "").strip(), (scale_name or "").strip() or None)
    if not plan.framework_name:
        plan.errors.append(RowError(0, "framework", "Name the framework to import into."))
        return plan
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [(h or "").strip().lower() for h in reader.fieldnames or []]
        read_csv_rows(plan, reader, header)
    except csv.Error as exc:  # e.g. a field over the csv module's limit
        plan.errors.append(RowError(reader.line_num, None, f"Not a readable CSV file: {exc}."))
    if plan.errors or not plan.rows_raw:
        if not plan.errors:
            plan.errors.append(RowError(0, None, "The file has a header but no capabilities."))
        return plan
    validate(company_id, plan, plan.rows_raw)
    return plan


def parse_json(company_id: int, text: str, framework_name: str | None = None,
               scale_name: str | None = None) -> FrameworkPlan:
    """Validate a whole-framework JSON document; the name and scale may be overridden."""
    doc, problem = load_json(text)
    if doc is None:
        failed = FrameworkPlan(framework_name or "")
        failed.errors.append(RowError(0, None, problem or ""))
        return failed
    plan = json_plan(doc, framework_name, scale_name)
    if not plan.framework_name:
        plan.errors.append(RowError(0, "framework", "The file names no framework."))
        return plan
    if not read_json_levels(plan, doc):
        return plan
    raw = read_json_rows(plan, doc["categories"])
    if not raw and not plan.errors:
        plan.errors.append(RowError(0, None, "The file has no capabilities."))
    if raw:
        validate(company_id, plan, raw)
    return plan


def parse(company_id: int, text: str, filename: str, framework_name: str | None,
          scale_name: str | None) -> FrameworkPlan:
    """Read a CSV or a JSON file (by its name or its first character) into a checked plan."""
    if filename.lower().endswith(".json") or text.lstrip("\ufeff \n\r\t").startswith("{"):
        return parse_json(company_id, text, framework_name, scale_name)
    return parse_csv(company_id, text, framework_name or "", scale_name)
