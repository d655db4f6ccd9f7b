"""The OpenAPI document, generated from the API views' docstrings (apispec)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.yaml_utils import load_yaml_from_docstring
from flask import Flask

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "nullable": True},
            },
            "required": ["code", "message"],
        }
    },
}


def page_of(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


# Packages register their schemas here from init_app: name -> JSON schema.
def add_schema(app: Flask, name: str, schema: dict[str, Any]) -> None:
    app.extensions.setdefault("trellis_api_schemas", {})[name] = schema


def _flask_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Trellis API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "Personal bearer tokens carry the user's own permissions. Money is "
              "integer minor units in `*_minor` fields beside `currency`. Errors are "
              '`{"error": {"code", "message", "field"}}` with a 4xx status.'},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    for name, schema in sorted(app.extensions.get("trellis_api_schemas", {}).items()):
        spec.components.schema(name, schema)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.endswith("openapi"):
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_yaml_from_docstring(view.__doc__ or "") or {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = operations.get(method.lower())
            if op is None:
                continue
            op.setdefault("summary", (view.__doc__ or "").strip().splitlines()[0])
            op.setdefault("security", [{"bearer": []}])
            responses = op.setdefault("responses", {})
            responses.setdefault("4XX", {"description": "Error", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            paths.setdefault(_flask_path(rule.rule), {})[method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
