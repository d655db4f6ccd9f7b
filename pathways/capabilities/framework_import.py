"""Framework import and export: CSV (capabilities) and JSON (the whole framework).

CSV header: `category,name,description,external_id` plus optional `level_1`…`level_N`
(per-level descriptors) and `retired` (yes/no). JSON: {"framework": {name, description},
"scale": {name, levels: [{level, name, descriptor}]}, "categories": [{name, capabilities:
[{name, description, external_id, descriptors: {"1": …}, retired}]}]}.

`parse` validates everything and writes nothing; `apply` writes a valid plan in bulk (all or
nothing: the caller commits once). A row updates the capability with the same `external_id`,
or, without one, the same category + name; otherwise it creates one. Row numbers count the CSV
header as row 1; in JSON they count capabilities from 1 in file order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update

from app import audit
from app.csvout import DANGEROUS
from app.extensions import db
from app.models import User, utcnow
from app.people.importer import RowError

from .frameworks import LevelData, create_framework, create_scale, default_scale
from .models import Capability, Category, Framework, Scale

BASE_COLUMNS = ("category", "name", "description", "external_id")
MAX_ROWS = 100_000
CHUNK = 2000
TRUE = {"yes", "y", "true", "1", "retired"}
DESCRIPTOR_MAX = 5000  # each level descriptor, as in `frameworks`
TEXT_LIMITS = {"category": 120, "name": 200, "description": 5000, "external_id": 300}


@dataclass
class FrameworkPlan:
    framework_name: str
    scale_name: str | None = None
    scale_levels: list[LevelData] | None = None  # JSON only: the scale the file carries
    description: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_raw: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    creates: int = 0
    updates: int = 0
    unchanged: int = 0
    new_categories: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _scale_for(company_id: int, plan: FrameworkPlan) -> tuple[Framework | None, Scale | None]:
    framework = db.session.scalar(select(Framework).where(
        Framework.company_id == company_id, Framework.name == plan.framework_name))
    scale = None
    if plan.scale_name:
        scale = db.session.scalar(select(Scale).where(Scale.company_id == company_id,
                                                      Scale.name == plan.scale_name))
    if framework is not None:
        if plan.scale_name and framework.scale.name != plan.scale_name:
            plan.errors.append(RowError(0, "scale", f"{framework.name} is rated on "
                               f"{framework.scale.name}, not {plan.scale_name}; change its scale "
                               "on the framework page (with a level mapping) first."))
        return framework, framework.scale
    if scale is None and plan.scale_name and plan.scale_levels is None:
        plan.errors.append(RowError(0, "scale", f"No scale called '{plan.scale_name}'; create it "
                                    "first or leave the scale empty for the standard 1–5 scale."))
    if scale is None and not plan.scale_name:
        scales = list(db.session.scalars(select(Scale).where(Scale.company_id == company_id)))
        if len(scales) > 1:
            plan.errors.append(RowError(0, "scale", "This company has several scales; choose the "
                                        "one the new framework uses."))
        scale = scales[0] if scales else None
    if scale is not None and plan.scale_levels is not None and len(plan.scale_levels) != len(
            scale.levels):
        plan.errors.append(RowError(0, "scale", f"Scale {scale.name} exists with "
                           f"{len(scale.levels)} levels but the file has "
                           f"{len(plan.scale_levels)}; rename the scale in the file."))
    return None, scale


def _is_number(text: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, but int() refuses it)."""
    return text.isascii() and text.isdigit() and len(text) <= 3


def _cell(value: str | None) -> str:
    """A CSV cell, stripped; an export's neutralised formula cell ('=…) reads back as written."""
    value = (value or "").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in DANGEROUS:
        return value[1:]
    return value


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _check_text(number: int, values: dict[str, Any]) -> list[RowError]:
    """Lengths beyond the columns and NUL characters, each naming the row and the field."""
    errs = []
    texts = [(name, values[name]) for name in ("category", "name", "description", "external_id")]
    texts += [(f"level_{k}", v) for k, v in values["descriptors"].items()]
    for name, value in texts:
        if "\x00" in value:
            errs.append(RowError(number, name, "Contains a NUL character (\\0); remove it."))
        limit = TEXT_LIMITS.get(name, DESCRIPTOR_MAX)
        if name not in ("category", "name", "external_id") and len(value) > limit:
            errs.append(RowError(number, name, f"Must be at most {limit:,} characters."))
    return errs


def _check_head(plan: FrameworkPlan) -> None:
    """The framework's and scale's own names and levels (row 0: the file)."""
    for name, value, limit in (("framework", plan.framework_name, 120),
                               ("scale", plan.scale_name or "", 120),
                               ("description", plan.description or "", 5000)):
        if "\x00" in value:
            plan.errors.append(RowError(0, name, "Contains a NUL character (\\0); remove it."))
        elif len(value) > limit:
            plan.errors.append(RowError(0, name, f"Must be at most {limit} characters."))
    for lv in plan.scale_levels or []:
        if not lv.name or len(lv.name) > 80 or "\x00" in lv.name + (lv.descriptor or ""):
            plan.errors.append(RowError(0, "scale", f"Level {lv.level} needs a name of at most "
                                        "80 characters, without NUL characters."))


def _validate(company_id: int, plan: FrameworkPlan, raw: list[tuple[int, dict[str, Any]]]) -> None:
    _check_head(plan)
    framework, scale = _scale_for(company_id, plan)
    top = (len(plan.scale_levels) if plan.scale_levels is not None and scale is None
           else scale.max_level if scale is not None else 5)
    existing_ext: dict[str, tuple[int, str, str]] = {}
    existing_name: dict[tuple[str, str], tuple[int, str | None]] = {}
    current: dict[int, dict[str, Any]] = {}
    known_categories: set[str] = set()
    if framework is not None:
        known_categories = set(db.session.scalars(
            select(Category.name).where(Category.framework_id == framework.id)))
        for c in db.session.execute(
                select(Capability.id, Category.name.label("category"), Capability.name,
                       Capability.description,
                       Capability.external_id, Capability.descriptors, Capability.retired_at)
                .join(Category, Category.id == Capability.category_id)
                .where(Capability.framework_id == framework.id)):
            if c.external_id:
                existing_ext[c.external_id] = (c.id, c.category, c.name)
            existing_name[(c.category, c.name)] = (c.id, c.external_id)
            current[c.id] = {"category": c.category, "name": c.name, "description": c.description,
                             "external_id": c.external_id, "descriptors": c.descriptors,
                             "retired": c.retired_at is not None}
    seen_ext: dict[str, int] = {}
    seen_name: dict[tuple[str, str], int] = {}
    for number, v in raw:
        errs: list[RowError] = []
        cat, name = v["category"], v["name"]
        ext = v["external_id"] or None
        if not cat:
            errs.append(RowError(number, "category", "Category is missing."))
        elif len(cat) > 120:
            errs.append(RowError(number, "category", "Category must be at most 120 characters."))
        if not name:
            errs.append(RowError(number, "name", "Name is missing."))
        elif len(name) > 200:
            errs.append(RowError(number, "name", "Name must be at most 200 characters."))
        if ext and len(ext) > 300:
            errs.append(RowError(number, "external_id", "External id is over 300 characters."))
        errs.extend(_check_text(number, v))
        for key in v["descriptors"]:
            if not 1 <= int(key) <= top:
                errs.append(RowError(number, f"level_{key}", f"The scale has levels 1 to {top}; "
                                     f"there is no level {key}."))
        if ext and ext in seen_ext:
            errs.append(RowError(number, "external_id",
                                 f"Duplicate external id {ext} (also on row {seen_ext[ext]})."))
        elif ext:
            seen_ext[ext] = number
        key = (cat, name)
        if key in seen_name and cat and name:
            errs.append(RowError(number, "name", f"Duplicate capability '{name}' in category "
                                 f"'{cat}' (also on row {seen_name[key]})."))
        else:
            seen_name[key] = number
        target_id = None
        if ext and ext in existing_ext:
            target_id = existing_ext[ext][0]
        elif key in existing_name and (not ext or existing_name[key][1] is None):
            target_id, ext = existing_name[key][0], ext or existing_name[key][1]
        clash = existing_name.get(key)
        if clash is not None and target_id is not None and clash[0] != target_id:
            errs.append(RowError(number, "name", f"'{name}' already exists in '{cat}' with "
                                 f"external id {clash[1] or '(none)'}; rename one of them."))
        elif clash is not None and target_id is None:
            errs.append(RowError(number, "external_id", f"'{name}' already exists in '{cat}' "
                                 f"with external id {clash[1]}; use that id to update it."))
        plan.errors.extend(errs)
        row = {"row": number, "id": target_id, "category": cat, "name": name,
               "description": v["description"] or None, "external_id": ext,
               "descriptors": v["descriptors"] or None, "retired": v["retired"]}
        if target_id is None:
            plan.creates += 1
        else:
            old = current[target_id]
            same = all(old[k] == row[k] for k in ("category", "name", "description",
                                                  "external_id", "descriptors")) and (
                row["retired"] is None or row["retired"] == old["retired"])
            row["unchanged"] = same
            plan.unchanged += same
            plan.updates += not same
        plan.rows.append(row)
    plan.new_categories = sorted({r["category"] for r in plan.rows if r["category"]}
                                 - known_categories)
    plan.errors.sort(key=lambda e: (e.row, e.field or ""))


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
        _read_rows(plan, reader, header)
    except csv.Error as exc:  # e.g. a field over the csv module's limit
        plan.errors.append(RowError(reader.line_num, None, f"Not a readable CSV file: {exc}."))
    if plan.errors or not plan.rows_raw:
        if not plan.errors:
            plan.errors.append(RowError(0, None, "The file has a header but no capabilities."))
        return plan
    _validate(company_id, plan, plan.rows_raw)
    return plan


def _read_rows(plan: FrameworkPlan, reader: csv.DictReader[str], header: list[str]) -> None:
    """The CSV's rows into `plan.rows_raw` (problems with the file itself into its errors)."""
    missing = [c for c in ("category", "name") if c not in header]
    if not header or missing:
        plan.errors.append(RowError(0, None, "The first line must be the header "
                                    f"{','.join(BASE_COLUMNS)} (optionally level_1…level_N, "
                                    f"retired); missing {', '.join(missing or BASE_COLUMNS)}."))
        return
    levels = [h for h in header if h.startswith("level_")]
    bad = [h for h in levels if not _is_number(h[6:])]
    if bad:
        plan.errors.append(RowError(0, None, f"Column {bad[0]} must be level_ and a number."))
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
        retired = v.get("retired")
        raw.append((number, {
            "category": v.get("category", ""), "name": v.get("name", ""),
            "description": v.get("description", ""), "external_id": v.get("external_id", ""),
            "descriptors": {h[6:]: v[h] for h in levels if v.get(h)},
            "retired": None if retired is None else retired.lower() in TRUE}))
        if len(raw) > MAX_ROWS:
            plan.errors.append(RowError(0, None, f"More than {MAX_ROWS} rows; split the file."))
            return


def parse_json(company_id: int, text: str, framework_name: str | None = None,
               scale_name: str | None = None) -> FrameworkPlan:
    """Validate a whole-framework JSON document; the name and scale may be overridden."""
    def fail(message: str) -> FrameworkPlan:
        plan = FrameworkPlan(framework_name or "")
        plan.errors.append(RowError(0, None, message))
        return plan

    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return fail(f"Not valid JSON: {exc}.")
    if not isinstance(doc, dict) or not isinstance(doc.get("categories"), list):
        return fail("The JSON must be an object with 'framework', 'scale' and 'categories'.")
    fw: dict[str, Any] = doc["framework"] if isinstance(doc.get("framework"), dict) else {}
    sc: dict[str, Any] = doc["scale"] if isinstance(doc.get("scale"), dict) else {}
    plan = FrameworkPlan(str(framework_name or fw.get("name") or "").strip(),
                         str(scale_name or sc.get("name") or "").strip() or None,
                         description=_text_or_none(fw.get("description")))
    if not plan.framework_name:
        plan.errors.append(RowError(0, "framework", "The file names no framework."))
        return plan
    if isinstance(sc.get("levels"), list) and sc["levels"]:
        try:
            plan.scale_levels = [LevelData(int(x["level"]), str(x["name"]).strip(),
                                           _text_or_none(x.get("descriptor")))
                                 for x in sc["levels"]]
        except (KeyError, TypeError, ValueError, OverflowError):  # 1e999 is a float: inf
            plan.errors.append(RowError(0, "scale", "Each scale level needs 'level' and 'name'."))
            return plan
    raw: list[tuple[int, dict[str, Any]]] = []
    number = 0
    for cat in doc["categories"]:
        caps = cat.get("capabilities") if isinstance(cat, dict) else None
        if not isinstance(caps, list):
            plan.errors.append(RowError(0, "categories", "Each category needs a 'capabilities' "
                                        "list."))
            continue
        for c in caps:
            number += 1
            if not isinstance(c, dict):
                plan.errors.append(RowError(number, None, "A capability must be an object."))
                continue
            descriptors = c.get("descriptors") or {}
            if not isinstance(descriptors, dict) or not all(
                    _is_number(str(k)) for k in descriptors):
                plan.errors.append(RowError(number, "descriptors",
                                            "Descriptors map level numbers to text."))
                descriptors = {}
            raw.append((number, {
                "category": str(cat.get("name") or "").strip(),
                "name": str(c.get("name") or "").strip(),
                "description": str(c.get("description") or "").strip(),
                "external_id": str(c.get("external_id") or "").strip(),
                "descriptors": {str(k): str(v) for k, v in descriptors.items() if v},
                "retired": bool(c.get("retired", False))}))
    if not raw and not plan.errors:
        plan.errors.append(RowError(0, None, "The file has no capabilities."))
    if raw:
        _validate(company_id, plan, raw)
    return plan


def parse(company_id: int, text: str, filename: str, framework_name: str | None,
          scale_name: str | None) -> FrameworkPlan:
    if filename.lower().endswith(".json") or text.lstrip("\ufeff \n\r\t").startswith("{"):
        return parse_json(company_id, text, framework_name, scale_name)
    return parse_csv(company_id, text, framework_name or "", scale_name)


def apply(actor: User, plan: FrameworkPlan, progress: Callable[[int], None] | None = None
          ) -> Framework:
    """Write a valid plan in bulk (flush, no commit) and return the framework."""
    assert plan.ok, "apply() needs a plan without errors"
    company_id = actor.company_id
    framework = db.session.scalar(select(Framework).where(
        Framework.company_id == company_id, Framework.name == plan.framework_name))
    if framework is None:
        scale = None
        if plan.scale_name:
            scale = db.session.scalar(select(Scale).where(Scale.company_id == company_id,
                                                          Scale.name == plan.scale_name))
            if scale is None and plan.scale_levels:
                scale = create_scale(actor, plan.scale_name, plan.scale_levels)
        framework = create_framework(actor, plan.framework_name, scale or default_scale(actor),
                                     plan.description)
    elif plan.scale_levels:
        for lv, data in zip(framework.scale.levels, plan.scale_levels, strict=False):
            lv.name, lv.descriptor = data.name, data.descriptor
    categories = dict(db.session.execute(select(Category.name, Category.id)
                                         .where(Category.framework_id == framework.id)).all())
    position = len(categories)
    for name in plan.new_categories:
        db.session.add(Category(company_id=company_id, framework_id=framework.id, name=name,
                                position=position))
        position += 1
    db.session.flush()
    categories = dict(db.session.execute(select(Category.name, Category.id)
                                         .where(Category.framework_id == framework.id)).all())
    now = utcnow()

    def values(r: dict[str, Any]) -> dict[str, Any]:
        out = {"category_id": categories[r["category"]], "name": r["name"],
               "description": r["description"], "external_id": r["external_id"],
               "descriptors": r["descriptors"], "updated_at": now}
        if r["retired"] is not None:
            out["retired_at"] = now if r["retired"] else None
        return out

    creates = [values(r) | {"company_id": company_id, "framework_id": framework.id,
                            "created_at": now, "retired_at": now if r["retired"] else None}
               for r in plan.rows if r["id"] is None]
    updates = [values(r) | {"id": r["id"]} for r in plan.rows
               if r["id"] is not None and not r.get("unchanged")]
    for i in range(0, len(creates), CHUNK):
        db.session.execute(insert(Capability), creates[i : i + CHUNK])
        if progress:
            progress(len(creates[i : i + CHUNK]))
    for i in range(0, len(updates), CHUNK):
        db.session.execute(update(Capability), updates[i : i + CHUNK])
        if progress:
            progress(len(updates[i : i + CHUNK]))
    if progress and plan.unchanged:
        progress(plan.unchanged)
    audit.record(actor, company_id, "framework.import", "framework", framework.id,
                 f"Imported {len(plan.rows)} capabilities into {framework.name}: "
                 f"{plan.creates} new, {plan.updates} changed, {plan.unchanged} unchanged",
                 {"created": (None, plan.creates), "updated": (None, plan.updates)})
    db.session.flush()
    db.session.expire_all()
    return framework
