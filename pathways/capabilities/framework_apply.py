"""Writing a checked framework import plan in bulk (all or nothing: the caller commits once)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Update, insert, select, update

from app import audit
from app.extensions import db
from app.models import User, utcnow

from .framework_plan import FrameworkPlan
from .frameworks import create_framework, create_scale, default_scale
from .models import Capability, Category, Framework, Scale

CHUNK = 2000

Progress = Callable[[int], None]


def _framework_for(actor: User, plan: FrameworkPlan) -> Framework:
    """The framework to import into: the existing one (its levels renamed from the file's
    scale, if it carries one) or a new one on the named, the file's or the default scale."""
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
    return framework


def _category_ids(framework: Framework) -> dict[str, int]:
    return dict(db.session.execute(select(Category.name, Category.id)
                                   .where(Category.framework_id == framework.id)).all())


def _add_categories(company_id: int, framework: Framework, plan: FrameworkPlan
                    ) -> dict[str, int]:
    """Add the plan's new categories after the existing ones; every category's id by name."""
    position = len(_category_ids(framework))
    for name in plan.new_categories:
        db.session.add(Category(company_id=company_id, framework_id=framework.id,
                                name=name, position=position))
        position += 1
    db.session.flush()
    return _category_ids(framework)


def _values(r: dict[str, Any], categories: dict[str, int], now: datetime) -> dict[str, Any]:
    """The columns a row sets on its capability (retired only when the file says)."""
    out = {"category_id": categories[r["category"]], "name": r["name"],
           "description": r["description"], "external_id": r["external_id"],
           "descriptors": r["descriptors"], "updated_at": now}
    if r["retired"] is not None:
        out["retired_at"] = now if r["retired"] else None
    return out


def _write(statement: Insert | Update, rows: list[dict[str, Any]], progress: Progress | None
           ) -> None:
    """Execute the bulk statement CHUNK rows at a time, reporting each chunk."""
    for i in range(0, len(rows), CHUNK):
        db.session.execute(statement, rows[i : i + CHUNK])
        if progress:
            progress(len(rows[i : i + CHUNK]))


def apply(actor: User, plan: FrameworkPlan, progress: Progress | None = None) -> Framework:
    """Write a valid plan in bulk (flush, no commit) and return the framework."""
    assert plan.ok, "apply() needs a plan without errors"
    company_id = actor.company_id
    framework = _framework_for(actor, plan)
    categories = _add_categories(company_id, framework, plan)
    now = utcnow()
    creates = [_values(r, categories, now)
               | {"company_id": company_id, "framework_id": framework.id,
                  "created_at": now, "retired_at": now if r["retired"] else None}
               for r in plan.rows if r["id"] is None]
    updates = [_values(r, categories, now) | {"id": r["id"]} for r in plan.rows
               if r["id"] is not None and not r.get("unchanged")]
    _write(insert(Capability), creates, progress)
    _write(update(Capability), updates, progress)
    if progress and plan.unchanged:
        progress(plan.unchanged)
    audit.record(actor, company_id, "framework.import", "framework", framework.id,
                 f"Imported {len(plan.rows)} capabilities into {framework.name}: "
                 f"{plan.creates} new, {plan.updates} changed, {plan.unchanged} unchanged",
                 {"created": (None, plan.creates), "updated": (None, plan.updates)})
    db.session.flush()
    db.session.expire_all()
    return framework
