"""Capability maps over JSON: capabilities and the framework import (roles: `api_roles.py`;
evidence, levels and gaps: `api_levels.py`, on the same blueprint).

The same service calls as the pages, so the UI and the API cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api.plumbing import api_blueprint, require_role
from app.api.schema import OPERATION_ATTR, operation
from app.pagination import paginated
from app.tenancy import current_company, get_or_404

from . import framework_import, frameworks
from .models import Capability, Framework
from .schemas import Capability as CapabilityOut
from .schemas import (
    CapabilityPage,
    CapabilityQuery,
    FrameworkDocument,
    ImportQuery,
    ImportRefusal,
    ImportResult,
    NewCapability,
)

bp = api_blueprint("pathways_api", __name__)


def capability_json(c: Capability) -> dict[str, Any]:
    return {"id": c.id, "framework_id": c.framework_id, "framework": c.framework.name,
            "category": c.category.name, "name": c.name, "description": c.description,
            "external_id": c.external_id, "descriptors": c.descriptors or {},
            "max_level": c.framework.scale.max_level, "retired": c.retired}


@bp.get("/capabilities")
@operation(query=CapabilityQuery, response=CapabilityPage)
def list_capabilities(query: CapabilityQuery) -> dict[str, Any]:
    """Capabilities of the company, searchable and paginated."""
    found = frameworks.capability_query(current_company().id, query.q, query.framework_id, None,
                                        query.include_retired)
    return paginated(found, capability_json, query)


@bp.post("/capabilities")
@operation(body=NewCapability, response=CapabilityOut, status=201)
def create_capability(body: NewCapability) -> dict[str, Any]:
    """Add a capability to a framework (admin)."""
    require_role("admin")
    fw = get_or_404(Framework, body.framework_id)
    cap = frameworks.create_capability(current_user, fw, frameworks.CapabilityData(
        body.category, body.name, body.description, body.external_id, dict(body.descriptors)))
    return capability_json(cap)


@bp.get("/capabilities/<int:capability_id>")
@operation(response=CapabilityOut)
def get_capability(capability_id: int) -> dict[str, Any]:
    """One capability."""
    return capability_json(get_or_404(Capability, capability_id))


def _refused(plan: framework_import.FrameworkPlan) -> tuple[Response, int]:
    """The import's 400: every bad row, so a person can fix the file in one go."""
    first = plan.errors[0] if plan.errors else None
    response = jsonify({"error": {
        "code": "validation_error", "field": first.field if first else None,
        "message": f"{len(plan.errors)} problems; nothing was imported. "
                   + (str(first) if first else ""),
        "rows": [{"row": e.row, "field": e.field, "message": e.message} for e in plan.errors]}})
    return response, 400


@bp.post("/frameworks/import")
@operation(query=ImportQuery, response=ImportResult, status=201, responses={
    200: ("Dry run: what would happen", ImportResult),
    400: ("Every bad row, in error.rows; nothing was imported", ImportRefusal)})
def import_framework(query: ImportQuery) -> Any:
    """Import a framework (admin), all or nothing: the JSON document as exported, or a CSV
    (`Content-Type: text/csv`, with `?framework=`); `?dry_run=true` only counts."""
    require_role("admin")
    text = request.get_data(as_text=True)
    is_json = (request.mimetype or "").endswith("json")
    plan = framework_import.parse(current_company().id, text, "f.json" if is_json else "f.csv",
                                  query.framework, query.scale)
    if not plan.ok:
        return _refused(plan)
    counts = {"created": plan.creates, "updated": plan.updates, "unchanged": plan.unchanged}
    if query.dry_run:
        return counts | {"framework_id": None}, 200
    fw = framework_import.apply(current_user, plan)
    return counts | {"framework_id": fw.id}


# The body is read as text (CSV or JSON), not parsed by `operation`; the document still shows
# the JSON shape it takes.
setattr(import_framework, OPERATION_ATTR, dataclasses.replace(
    getattr(import_framework, OPERATION_ATTR), body=FrameworkDocument))


def init_app(app: Flask) -> None:
    from . import api_levels, api_roles  # noqa: F401  (their routes join this blueprint)

    app.register_blueprint(bp)
