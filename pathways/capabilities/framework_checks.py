"""Checking an import's rows against the company's framework and planning creates and updates.

A row updates the capability with the same `external_id`, or, without one, the same category +
name; otherwise it creates one. Nothing is written here: the findings go into the plan (its
errors, sorted by row and field, its rows and its counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.people.importer import RowError

from .framework_plan import FrameworkPlan, RawRow
from .models import Capability, Category, Framework, Scale

DESCRIPTOR_MAX = 5000  # each level descriptor, as in `frameworks`
TEXT_LIMITS = {"category": 120, "name": 200, "description": 5000, "external_id": 300}
# The fields compared to tell an update from an unchanged row (plus `retired`, when given).
COMPARED = ("category", "name", "description", "external_id", "descriptors")


@dataclass
class Existing:
    """The framework's capabilities as they stand, indexed the ways a row can match one."""

    by_ext: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    by_name: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)
    current: dict[int, dict[str, Any]] = field(default_factory=dict)
    categories: set[str] = field(default_factory=set)


@dataclass
class Seen:
    """The file's rows so far, by external id and by category + name (to name duplicates)."""

    ext: dict[str, int] = field(default_factory=dict)
    name: dict[tuple[str, str], int] = field(default_factory=dict)


def _framework_mismatch(plan: FrameworkPlan, framework: Framework) -> None:
    """An existing framework keeps its scale: a file naming another one is refused."""
    if plan.scale_name and framework.scale.name != plan.scale_name:
        plan.errors.append(RowError(0, "scale", f"{framework.name} is rated on "
                           f"{framework.scale.name}, not {plan.scale_name}; change its scale "
                           "on the framework page (with a level mapping) first."))


def _new_framework_scale(company_id: int, plan: FrameworkPlan, scale: Scale | None
                         ) -> Scale | None:
    """The scale a new framework would use (the errors when it is missing or ambiguous)."""
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
    return scale


def scale_for(company_id: int, plan: FrameworkPlan) -> tuple[Framework | None, Scale | None]:
    """The framework the plan imports into (None: a new one) and the scale it is rated on."""
    framework = db.session.scalar(select(Framework).where(
        Framework.company_id == company_id, Framework.name == plan.framework_name))
    scale = None
    if plan.scale_name:
        scale = db.session.scalar(select(Scale).where(Scale.company_id == company_id,
                                                      Scale.name == plan.scale_name))
    if framework is not None:
        _framework_mismatch(plan, framework)
        return framework, framework.scale
    return None, _new_framework_scale(company_id, plan, scale)


def check_head(plan: FrameworkPlan) -> None:
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


def existing_capabilities(framework: Framework | None) -> Existing:
    """The framework's categories and capabilities (all empty for a new framework)."""
    existing = Existing()
    if framework is None:
        return existing
    existing.categories = set(db.session.scalars(
        select(Category.name).where(Category.framework_id == framework.id)))
    for c in db.session.execute(
            select(Capability.id, Category.name.label("category"), Capability.name,
                   Capability.description,
                   Capability.external_id, Capability.descriptors, Capability.retired_at)
            .join(Category, Category.id == Capability.category_id)
            .where(Capability.framework_id == framework.id)):
        if c.external_id:
            existing.by_ext[c.external_id] = (c.id, c.category, c.name)
        existing.by_name[(c.category, c.name)] = (c.id, c.external_id)
        existing.current[c.id] = {"category": c.category, "name": c.name,
                                  "description": c.description, "external_id": c.external_id,
                                  "descriptors": c.descriptors,
                                  "retired": c.retired_at is not None}
    return existing


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


def _cell_errors(number: int, v: dict[str, Any], top: int) -> list[RowError]:
    """The row's own cells: required, within their lengths, levels on the scale."""
    errs: list[RowError] = []
    cat, name, ext = v["category"], v["name"], v["external_id"] or None
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
    return errs


def _duplicate_errors(number: int, cat: str, name: str, ext: str | None,
                      seen: Seen) -> list[RowError]:
    """An external id or a category + name an earlier row of the file already has."""
    errs: list[RowError] = []
    if ext and ext in seen.ext:
        errs.append(RowError(number, "external_id",
                             f"Duplicate external id {ext} (also on row {seen.ext[ext]})."))
    elif ext:
        seen.ext[ext] = number
    key = (cat, name)
    if key in seen.name and cat and name:
        errs.append(RowError(number, "name", f"Duplicate capability '{name}' in category "
                             f"'{cat}' (also on row {seen.name[key]})."))
    else:
        seen.name[key] = number
    return errs


def _target(existing: Existing, key: tuple[str, str], ext: str | None
            ) -> tuple[int | None, str | None]:
    """The capability the row updates (None: it creates one) and the external id it keeps."""
    if ext and ext in existing.by_ext:
        return existing.by_ext[ext][0], ext
    if key in existing.by_name and (not ext or existing.by_name[key][1] is None):
        return existing.by_name[key][0], ext or existing.by_name[key][1]
    return None, ext


def _clash_errors(number: int, existing: Existing, key: tuple[str, str],
                  target_id: int | None) -> list[RowError]:
    """A row whose category + name belongs to another existing capability."""
    cat, name = key
    clash = existing.by_name.get(key)
    if clash is not None and target_id is not None and clash[0] != target_id:
        return [RowError(number, "name", f"'{name}' already exists in '{cat}' with "
                         f"external id {clash[1] or '(none)'}; rename one of them.")]
    if clash is not None and target_id is None:
        return [RowError(number, "external_id", f"'{name}' already exists in '{cat}' "
                         f"with external id {clash[1]}; use that id to update it.")]
    return []


def _plan_row(plan: FrameworkPlan, existing: Existing, row: dict[str, Any]) -> None:
    """Count the row as a create, an update or unchanged, and add it to the plan."""
    target_id = row["id"]
    if target_id is None:
        plan.creates += 1
    else:
        old = existing.current[target_id]
        same = all(old[k] == row[k] for k in COMPARED) and (
            row["retired"] is None or row["retired"] == old["retired"])
        row["unchanged"] = same
        plan.unchanged += same
        plan.updates += not same
    plan.rows.append(row)


def check_row(plan: FrameworkPlan, existing: Existing, seen: Seen, top: int,
              number: int, v: dict[str, Any]) -> None:
    """One row: its errors into the plan, and the row itself, matched to what it changes."""
    cat, name = v["category"], v["name"]
    ext = v["external_id"] or None
    errs = _cell_errors(number, v, top)
    errs.extend(_duplicate_errors(number, cat, name, ext, seen))
    target_id, ext = _target(existing, (cat, name), ext)
    errs.extend(_clash_errors(number, existing, (cat, name), target_id))
    plan.errors.extend(errs)
    _plan_row(plan, existing, {
        "row": number, "id": target_id, "category": cat, "name": name,
        "description": v["description"] or None, "external_id": ext,
        "descriptors": v["descriptors"] or None, "retired": v["retired"]})


def _top_level(plan: FrameworkPlan, scale: Scale | None) -> int:
    """The highest level a descriptor may name: the file's new scale, the existing one, or 5."""
    if plan.scale_levels is not None and scale is None:
        return len(plan.scale_levels)
    return scale.max_level if scale is not None else 5


def validate(company_id: int, plan: FrameworkPlan, raw: list[RawRow]) -> None:
    """Check the head and every row against the framework; fill the plan's rows and counts."""
    check_head(plan)
    framework, scale = scale_for(company_id, plan)
    top = _top_level(plan, scale)
    existing = existing_capabilities(framework)
    seen = Seen()
    for number, v in raw:
        check_row(plan, existing, seen, top, number, v)
    plan.new_categories = sorted({r["category"] for r in plan.rows if r["category"]}
                                 - existing.categories)
    plan.errors.sort(key=lambda e: (e.row, e.field or ""))
