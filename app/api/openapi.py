"""The OpenAPI 3.1 document, generated from the endpoints' declared schemas (apispec + pydantic).

Each endpoint's `@operation(...)` (app.api.schema) says its query, body, responses and whether
it takes an Idempotency-Key; the URL rule gives the path parameters. The pydantic models become
`components/schemas` (JSON Schema 2020-12, which OpenAPI 3.1 uses as it is).
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from flask import Flask
from pydantic import BaseModel, TypeAdapter
from werkzeug.routing import IntegerConverter, Rule

from ..converters import ID_MAX
from .schema import OPERATION_ATTR, Error, Operation

REF = "#/components/schemas/{model}"
DESCRIPTION = (
    "Personal bearer tokens carry the user's own permissions. Money is integer minor units in "
    '`*_minor` fields beside `currency`. Errors are `{"error": {"code", "message", "field"}}` '
    "with a 4xx status.")


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    params = []
    for name, converter in rule._converters.items():
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": 0, "maximum": ID_MAX}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return params


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _inline(model.model_json_schema(ref_template=REF, mode="validation"), schemas)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"in": "query", "name": name, "required": name in required,
                                 "schema": {k: v for k, v in prop.items() if k != "description"}}
        if prop.get("description"):
            param["description"] = prop["description"]
        if prop.get("type") == "array":
            param["explode"] = True
        params.append(param)
    return params


def _inline(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Move a schema's `$defs` into the document's components."""
    schemas.update(schema.pop("$defs", {}))
    return schema


class _Models:
    """Every type the operations mention, turned into components in one pass at the end.

    `schema_of` hands out a placeholder that `resolve` fills in, because pydantic names a model
    only once it has seen all of them (a model used for input and output may become two).
    """

    def __init__(self) -> None:
        self.wanted: list[tuple[int, str, TypeAdapter[Any], dict[str, Any]]] = []

    def schema_of(self, tp: Any, mode: str) -> dict[str, Any]:
        slot: dict[str, Any] = {}
        self.wanted.append((len(self.wanted), mode, TypeAdapter(tp), slot))
        return slot

    def resolve(self, schemas: dict[str, Any]) -> None:
        if not self.wanted:
            return
        keys, defs = TypeAdapter.json_schemas(
            [(key, mode, adapter) for key, mode, adapter, _ in self.wanted],  # type: ignore[misc]
            ref_template=REF)
        schemas.update(defs.get("$defs", {}))
        for key, mode, _, slot in self.wanted:
            slot.update(keys[(key, mode)])  # type: ignore[index]


def _operation(op: Operation, view: Any, rule: Rule, models: _Models,
               schemas: dict[str, Any]) -> dict[str, Any]:
    doc = (view.__doc__ or "").strip()
    summary, _, rest = doc.partition("\n")
    out: dict[str, Any] = {"operationId": rule.endpoint, "summary": summary.strip()}
    if rest.strip():
        out["description"] = re.sub(r"\n\s+", "\n", rest.strip())
    if op.tags:
        out["tags"] = list(op.tags)
    params = _path_parameters(rule)
    if op.query is not None:
        params += _query_parameters(op.query, schemas)
    if op.idempotent:
        params.append({"in": "header", "name": "Idempotency-Key", "required": False,
                       "schema": {"type": "string", "maxLength": 255, "pattern": r"^[!-~]+$"},
                       "description": "a repeat with the same key and body returns the first "
                                      "result and moves nothing again"})
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": models.schema_of(op.body, "validation")}}}
    elif op.multipart:
        out["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {
                name: {"type": "string", "format": "binary", "description": text}
                for name, text in op.multipart.items()}}}}}
    out["responses"] = _responses(op, models, schemas)
    out["security"] = [{"bearer": []}] if op.auth else []
    return out


def _responses(op: Operation, models: _Models, schemas: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": "Success"}
    if op.content_type:
        success["content"] = {op.content_type: {"schema": {"type": "string",
                                                           "format": "binary"}}}
    elif op.response is not None:
        success["content"] = {"application/json": {
            "schema": models.schema_of(op.response, "serialization")}}
    elif op.status == 204:
        success["description"] = "Done; no content"
    if op.links:
        success["links"] = dict(op.links)
    responses[str(op.status)] = success
    for status, (description, model) in op.responses.items():
        entry: dict[str, Any] = {"description": description}
        if model is not None:
            entry["content"] = {"application/json": {
                "schema": models.schema_of(model, "serialization")}}
        responses[str(status)] = entry
    responses.setdefault("4XX", {"description": "Refused: the error says why and names the field",
                                 "content": {"application/json": {"schema": {
                                     "$ref": REF.format(model="Error")}}}})
    return responses


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(title="Trellis API", version="1", openapi_version="3.1.0",
                   info={"description": DESCRIPTION})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    schemas: dict[str, Any] = {}
    models = _Models()
    models.schema_of(Error, "serialization")  # the 4XX responses refer to it by name
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.endswith("openapi"):
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, OPERATION_ATTR, None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if op is None:  # every API route is declared; one that is not stays out of the document
                continue
            paths.setdefault(_flask_path(rule.rule), {})[method.lower()] = _operation(
                op, view, rule, models, schemas)
    models.resolve(schemas)
    for name in sorted(schemas):
        spec.components.schema(name, schemas[name])
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
