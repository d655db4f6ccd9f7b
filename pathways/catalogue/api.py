"""The catalogue over JSON: search, offerings (same services as the pages)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api.openapi import add_schema, page_of
from app.api.plumbing import api_blueprint, body, field, require_role
from app.errors import ValidationError
from app.extensions import db
from app.pagination import paginated
from app.tenancy import current_company, get_or_404
from pathways.capabilities.models import Capability

from . import offerings, providers, search
from .models import Offering, Provider

bp = api_blueprint("catalogue_api", __name__)

DELTA = {"type": "object", "required": ["capability_id", "from_level", "to_level"],
         "properties": {"capability_id": {"type": "integer"}, "from_level": {"type": "integer"},
                        "to_level": {"type": "integer"}}}
OFFERING_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer", "readOnly": True}, "title": {"type": "string"},
    "type": {"type": "string", "enum": ["course", "certification", "book", "event", "coaching"]},
    "provider": {"type": "string", "nullable": True,
                 "description": "provider name (created if new)"},
    "provider_id": {"type": "integer", "nullable": True},
    "description": {"type": "string", "nullable": True}, "url": {"type": "string",
                                                                 "nullable": True},
    "price_minor": {"type": "integer"}, "currency": {"type": "string"},
    "duration_hours": {"type": "number"},
    "format": {"type": "string", "enum": ["online", "in_person", "blended"]},
    "language": {"type": "string"},
    "capabilities": {"type": "array", "items": DELTA},
    "rating": {"type": "number", "nullable": True, "readOnly": True},
    "rating_count": {"type": "integer", "readOnly": True},
    "retired": {"type": "boolean", "description": "PATCH true to retire, false to restore"}}}


def offering_json(o: Offering) -> dict[str, Any]:
    return {"id": o.id, "title": o.title, "type": o.type,
            "provider": o.provider.name if o.provider else None, "provider_id": o.provider_id,
            "description": o.description, "url": o.url, "price_minor": o.price_minor,
            "currency": o.currency, "duration_hours": o.duration_hours, "format": o.format,
            "language": o.language, "rating": o.rating, "rating_count": o.rating_count,
            "retired": o.retired,
            "capabilities": [{"capability_id": d.capability_id, "from_level": d.from_level,
                              "to_level": d.to_level} for d in o.capabilities]}


# --- offerings ---------------------------------------------------------------------------------

@bp.get("/offerings")
def list_offerings() -> Response:
    """Search the catalogue (same filters as the page; prices in minor units here).
    ---
    get:
      parameters:
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: capability_id, schema: {type: integer}}
        - {in: query, name: type, schema: {type: string}}
        - {in: query, name: format, schema: {type: string}}
        - {in: query, name: price_min_minor, schema: {type: integer}}
        - {in: query, name: price_max_minor, schema: {type: integer}}
        - {in: query, name: hours_min, schema: {type: number}}
        - {in: query, name: hours_max, schema: {type: number}}
        - {in: query, name: sort, schema: {type: string, enum: [relevance, price, price_desc, rating, duration, title]}}
        - {in: query, name: include_retired, schema: {type: boolean}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of offerings
          content:
            application/json:
              schema: {$ref: '#/components/schemas/OfferingPage'}
    """
    params = search.parse_search(request.args)
    for name in ("price_min_minor", "price_max_minor"):
        raw = request.args.get(name)
        if raw:
            if not raw.isdigit():
                raise ValidationError(f"'{name}' must be a whole number of minor units.", name)
            setattr(params, name.removesuffix("_minor"), int(raw))
    params.include_retired = request.args.get("include_retired") in ("1", "true")
    return jsonify(paginated(search.search(current_company().id, params), offering_json))


def _offering_data(data: dict[str, Any], current: Offering | None) -> offerings.OfferingData:
    def pick(name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = field(data, name, kind)
        return default if name not in data else value

    provider_id = pick("provider_id", int, current.provider_id if current else None)
    provider_name = field(data, "provider", str)
    if provider_name:
        existing = next((p for p in providers.list_providers(current_company().id, True)
                         if p.name.lower() == provider_name.strip().lower()), None)
        provider_id = (existing or providers.save_provider(current_user, provider_name)).id
    elif provider_id is not None:
        get_or_404(Provider, provider_id)
    raw_caps = pick("capabilities", list, None)
    if raw_caps is None:
        deltas = [offerings.Delta(d.capability_id, d.from_level, d.to_level)
                  for d in (current.capabilities if current else [])]
    else:
        deltas = []
        for item in raw_caps:
            if not isinstance(item, dict):
                raise ValidationError("Each capability is an object with capability_id, "
                                      "from_level and to_level.", "capabilities")
            deltas.append(offerings.Delta(
                get_or_404(Capability, field(item, "capability_id", int, required=True)).id,
                field(item, "from_level", int, required=True),
                field(item, "to_level", int, required=True)))
    hours = pick("duration_hours", (int, float), current.duration_hours if current else None)
    return offerings.OfferingData(
        title=pick("title", str, current.title if current else None) or "",
        type=pick("type", str, current.type if current else None) or "",
        price_minor=pick("price_minor", int, current.price_minor if current else None),
        duration_hours=hours if hours is not None else 0,
        provider_id=provider_id,
        description=pick("description", str, current.description if current else None),
        url=pick("url", str, current.url if current else None),
        currency=pick("currency", str, current.currency if current else None),
        format=pick("format", str, current.format if current else "online") or "online",
        language=pick("language", str, current.language if current else "en") or "en",
        capabilities=deltas)


@bp.post("/offerings")
def create_offering() -> tuple[Response, int]:
    """Add an offering to the catalogue (admin).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Offering'}
      responses:
        201:
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Offering'}
    """
    require_role("admin")
    data = body()
    if "price_minor" not in data:
        raise ValidationError("'price_minor' is required.", "price_minor")
    offering = offerings.save_offering(current_user, _offering_data(data, None))
    db.session.commit()
    return jsonify(offering_json(offering)), 201


@bp.get("/offerings/<int:offering_id>")
def get_offering(offering_id: int) -> Response:
    """One offering.
    ---
    get:
      parameters:
        - {in: path, name: offering_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: The offering
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Offering'}
    """
    return jsonify(offering_json(get_or_404(Offering, offering_id)))


@bp.patch("/offerings/<int:offering_id>")
def update_offering(offering_id: int) -> Response:
    """Change some fields of an offering, or retire/restore it with `retired` (admin).
    ---
    patch:
      parameters:
        - {in: path, name: offering_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Offering'}
      responses:
        200:
          description: The changed offering
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Offering'}
    """
    offering = get_or_404(Offering, offering_id)
    require_role("admin")
    data = body()
    retired = field(data, "retired", bool)
    if set(data) - {"retired"}:
        offerings.save_offering(current_user, _offering_data(data, offering), offering)
    if retired is not None and retired != offering.retired:
        offerings.set_offering_retired(current_user, offering, retired)
    db.session.commit()
    return jsonify(offering_json(offering))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_schema(app, "Offering", OFFERING_SCHEMA)
    add_schema(app, "OfferingPage", page_of("Offering"))
