"""Framework export: CSV (capabilities, as `framework_import` reads them back) and JSON (the
whole framework). CSV downloads go through `app.csvout`, which neutralises formula cells; the
importer reads a neutralised cell back as written."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.csvout import safe_cell
from app.extensions import db

from .framework_import import BASE_COLUMNS
from .models import Capability, Category, Framework


def _capabilities(framework: Framework) -> Sequence[Any]:
    return db.session.execute(
        select(Category.name.label("category"), Capability.name, Capability.description,
               Capability.external_id, Capability.descriptors, Capability.retired_at)
        .join(Category, Category.id == Capability.category_id)
        .where(Capability.framework_id == framework.id)
        .order_by(Category.position, Category.name, Capability.name)).all()


def export_rows(framework: Framework) -> tuple[list[str], list[list[str]]]:
    """The CSV export's header and rows, raw (`app.csvout` neutralises formula cells)."""
    top = framework.scale.max_level
    header = [*BASE_COLUMNS, *(f"level_{i}" for i in range(1, top + 1)), "retired"]
    rows = []
    for c in _capabilities(framework):
        d = c.descriptors or {}
        rows.append([c.category, c.name, c.description or "", c.external_id or "",
                     *(d.get(str(i), "") for i in range(1, top + 1)),
                     "yes" if c.retired_at else ""])
    return header, rows


def export_csv(framework: Framework) -> str:
    """The CSV export as text, formula cells neutralised as in the download."""
    header, rows = export_rows(framework)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def export_json(framework: Framework) -> dict[str, Any]:
    categories: dict[str, list[dict[str, Any]]] = {
        c.name: [] for c in db.session.scalars(select(Category).where(
            Category.framework_id == framework.id).order_by(Category.position, Category.name))}
    for c in _capabilities(framework):
        categories[c.category].append({
            "name": c.name, "description": c.description, "external_id": c.external_id,
            "descriptors": c.descriptors or {}, "retired": c.retired_at is not None})
    return {
        "framework": {"name": framework.name, "description": framework.description},
        "scale": {"name": framework.scale.name, "levels": [
            {"level": lv.level, "name": lv.name, "descriptor": lv.descriptor}
            for lv in framework.scale.levels]},
        "categories": [{"name": n, "capabilities": caps} for n, caps in categories.items()],
    }
