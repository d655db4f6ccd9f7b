"""Frameworks service: scales, frameworks, categories and capabilities (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select, update

from app import audit
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import User, utcnow
from app.search import contains_text

from .models import (
    Assessment,
    Capability,
    CapabilityLevel,
    Category,
    Framework,
    LevelChange,
    RoleRequirement,
    Scale,
    ScaleLevel,
)

DEFAULT_LEVELS = [
    ("Awareness", "Knows the basics and the vocabulary; needs guidance to apply them."),
    ("Working", "Applies it on routine tasks with occasional help."),
    ("Practitioner", "Applies it independently on typical work and checks their own results."),
    ("Advanced", "Handles complex, novel cases and coaches others."),
    ("Expert", "Shapes how the organisation does it; recognised reference beyond the team."),
]


DESCRIPTOR_MAX = 5000  # each level descriptor of a capability


@dataclass
class LevelData:
    level: int
    name: str
    descriptor: str | None = None


def _text(value: str | None, name: str, limit: int, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"{name.replace('_', ' ').capitalize()} is required.", name)
    if len(value) > limit:
        raise ValidationError(f"{name.replace('_', ' ').capitalize()} must be at most {limit} "
                              "characters.", name)
    return value or None


def parse_levels(text: str) -> list[LevelData]:
    """Scale levels from lines "Name: descriptor" (line 1 = level 1)."""
    levels = []
    for n, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
        name, _, descriptor = line.partition(":")
        levels.append(LevelData(n, name.strip(), descriptor.strip() or None))
    return levels


def create_scale(actor: User, name: str, levels: list[LevelData]) -> Scale:
    name = _text(name, "name", 120, required=True) or ""
    if not 2 <= len(levels) <= 10:
        raise ValidationError("A scale needs between 2 and 10 levels, one per line.", "levels")
    if [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
        raise ValidationError("Levels must be numbered 1, 2, 3… without gaps.", "levels")
    for lv in levels:
        if not lv.name or len(lv.name) > 80:
            raise ValidationError(f"Level {lv.level} needs a name of at most 80 characters.",
                                  "levels")
    if db.session.scalar(select(Scale.id).where(Scale.company_id == actor.company_id,
                                                Scale.name == name)):
        raise Conflict(f"There is already a scale called '{name}'.", "name")
    scale = Scale(company_id=actor.company_id, name=name, levels=[
        ScaleLevel(company_id=actor.company_id, level=lv.level, name=lv.name,
                   descriptor=lv.descriptor) for lv in levels])
    db.session.add(scale)
    db.session.flush()
    audit.record(actor, actor.company_id, "scale.create", "scale", scale.id,
                 f"Created scale {name} with {len(levels)} levels")
    return scale


def default_scale(actor: User) -> Scale:
    """The company's only scale, or a new standard 1–5 one when it has none."""
    scales = list(db.session.scalars(select(Scale).where(Scale.company_id == actor.company_id)))
    if len(scales) == 1:
        return scales[0]
    if scales:
        raise ValidationError("This company has several scales; choose one.", "scale")
    return create_scale(actor, "Proficiency 1–5",
                        [LevelData(i, n, d) for i, (n, d) in enumerate(DEFAULT_LEVELS, start=1)])


def create_framework(actor: User, name: str, scale: Scale, description: str | None = None
                     ) -> Framework:
    name = _text(name, "name", 120, required=True) or ""
    if db.session.scalar(select(Framework.id).where(Framework.company_id == actor.company_id,
                                                    Framework.name == name)):
        raise Conflict(f"There is already a framework called '{name}'.", "name")
    framework = Framework(company_id=actor.company_id, name=name, scale_id=scale.id,
                          description=_text(description, "description", 5000))
    db.session.add(framework)
    db.session.flush()
    audit.record(actor, actor.company_id, "framework.create", "framework", framework.id,
                 f"Created framework {name} on scale {scale.name}")
    return framework


def category(actor: User, framework: Framework, name: str) -> Category:
    """The framework's category called `name`, created when missing."""
    name = _text(name, "category", 120, required=True) or ""
    found = db.session.scalar(select(Category).where(Category.framework_id == framework.id,
                                                     Category.name == name))
    if found is None:
        position = db.session.scalar(select(func.count(Category.id))
                                     .where(Category.framework_id == framework.id)) or 0
        found = Category(company_id=actor.company_id, framework_id=framework.id, name=name,
                         position=position)
        db.session.add(found)
        db.session.flush()
    return found


@dataclass
class CapabilityData:
    category: str
    name: str
    description: str | None = None
    external_id: str | None = None
    descriptors: dict[str, str] | None = None


def _clean(framework: Framework, data: CapabilityData) -> dict[str, Any]:
    top = framework.scale.max_level
    descriptors = {str(k): v.strip() for k, v in (data.descriptors or {}).items()
                   if v and v.strip()}
    bad = [k for k in descriptors
           if not (k.isascii() and k.isdigit() and len(k) <= 3) or not 1 <= int(k) <= top]
    if bad:
        raise ValidationError(f"Descriptors are for levels 1 to {top} of {framework.scale.name}.",
                              "descriptors")
    if any(len(v) > DESCRIPTOR_MAX for v in descriptors.values()):
        raise ValidationError(f"Each level descriptor must be at most {DESCRIPTOR_MAX:,} "
                              "characters.", "descriptors")
    return {"name": _text(data.name, "name", 200, required=True),
            "description": _text(data.description, "description", 5000),
            "external_id": _text(data.external_id, "external_id", 300),
            "descriptors": descriptors or None}


def _check_unique(framework: Framework, category_id: int, values: dict[str, Any],
                  exclude: int | None) -> None:
    clash = select(Capability.id).where(Capability.framework_id == framework.id,
                                        Capability.id != (exclude or 0))
    if db.session.scalar(clash.where(Capability.category_id == category_id,
                                     Capability.name == values["name"])):
        raise Conflict(f"'{values['name']}' already exists in this category.", "name")
    if values["external_id"] and db.session.scalar(
            clash.where(Capability.external_id == values["external_id"])):
        raise Conflict(f"External id {values['external_id']} is already used in "
                       f"{framework.name}.", "external_id")


def create_capability(actor: User, framework: Framework, data: CapabilityData) -> Capability:
    values = _clean(framework, data)
    cat = category(actor, framework, data.category)
    _check_unique(framework, cat.id, values, None)
    cap = Capability(company_id=actor.company_id, framework_id=framework.id,
                     category_id=cat.id, **values)
    db.session.add(cap)
    db.session.flush()
    audit.record(actor, actor.company_id, "capability.create", "capability", cap.id,
                 f"Created capability {cap.name} in {framework.name}")
    return cap


def update_capability(actor: User, cap: Capability, data: CapabilityData) -> Capability:
    values = _clean(cap.framework, data)
    cat = category(actor, cap.framework, data.category)
    _check_unique(cap.framework, cat.id, values, cap.id)
    before = {k: getattr(cap, k) for k in values} | {"category": cap.category.name}
    for key, value in values.items():
        setattr(cap, key, value)
    cap.category_id = cat.id
    db.session.flush()
    db.session.expire(cap, ["category"])
    audit.record(actor, actor.company_id, "capability.update", "capability", cap.id,
                 f"Changed capability {cap.name}",
                 audit.diff(before, values | {"category": cat.name}))
    return cap


def set_retired(actor: User, cap: Capability, retired: bool) -> None:
    """Retire (hide from new use, keep evidence) or bring back a capability."""
    if retired == cap.retired:
        return
    cap.retired_at = utcnow() if retired else None
    db.session.flush()
    audit.record(actor, actor.company_id, "capability.retire" if retired else "capability.restore",
                 "capability", cap.id,
                 f"{'Retired' if retired else 'Restored'} capability {cap.name}")


def capability_query(company_id: int, q: str | None = None, framework_id: int | None = None,
                     category_id: int | None = None, include_retired: bool = False
                     ) -> Select[Capability]:
    """Capabilities for lists and pickers: search name and external id, ordered by name."""
    query = select(Capability).where(Capability.company_id == company_id)
    if framework_id:
        query = query.where(Capability.framework_id == framework_id)
    if category_id:
        query = query.where(Capability.category_id == category_id)
    if not include_retired:
        query = query.where(Capability.retired_at.is_(None))
    if q and q.strip():
        query = query.where(contains_text(q, Capability.name, Capability.external_id))
    return query.order_by(Capability.name, Capability.id)


def categories_of(framework: Framework) -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.framework_id == framework.id)
                                   .order_by(Category.position, Category.name)))


def change_scale(actor: User, framework: Framework, scale: Scale, mapping: dict[int, int]) -> int:
    """Move a framework to another scale, mapping every old level explicitly to a new one.

    Evidence, level history, today's levels and role requirements of the framework's
    capabilities are translated in place; the mapping is kept in the audit log. Returns the
    number of evidence rows translated.
    """
    old = framework.scale
    missing = [lv.level for lv in old.levels if lv.level not in mapping]
    if missing:
        raise ValidationError(f"Map every old level; level {missing[0]} has no new level.",
                              "mapping")
    if any(not 1 <= v <= scale.max_level for v in mapping.values()):
        raise ValidationError(f"New levels must be between 1 and {scale.max_level}.", "mapping")
    caps = select(Capability.id).where(Capability.framework_id == framework.id).scalar_subquery()
    translated = 0
    for model, col in ((Assessment, Assessment.level), (LevelChange, LevelChange.level),
                       (CapabilityLevel, CapabilityLevel.level),
                       (RoleRequirement, RoleRequirement.level)):
        result = db.session.execute(
            update(model).where(model.capability_id.in_(caps))
            .values({col.key: case(mapping, value=col, else_=col)})
            .execution_options(synchronize_session=False))
        if model is Assessment:
            translated = getattr(result, "rowcount", 0) or 0
    db.session.execute(
        update(LevelChange)
        .where(LevelChange.capability_id.in_(caps), LevelChange.previous_level > 0)
        .values(previous_level=case(mapping, value=LevelChange.previous_level,
                                    else_=LevelChange.previous_level))
        .execution_options(synchronize_session=False))
    framework.scale_id = scale.id
    db.session.flush()
    db.session.expire_all()
    audit.record(actor, actor.company_id, "framework.scale", "framework", framework.id,
                 f"Moved {framework.name} from scale {old.name} to {scale.name}",
                 {"scale": (old.name, scale.name),
                  "mapping": (None, [f"{k}→{v}" for k, v in sorted(mapping.items())])})
    return translated


def capability_options(company_id: int) -> list[tuple[int, str]]:
    """(id, name) of the company's live capabilities, by name: the choices of a select."""
    return [(cid, name) for cid, name in db.session.execute(
        select(Capability.id, Capability.name).where(
            Capability.company_id == company_id, Capability.retired_at.is_(None))
        .order_by(Capability.name))]
