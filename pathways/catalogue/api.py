"""The catalogue over JSON: search, offerings (same services as the pages)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user

from app.api.plumbing import api_blueprint, require_role
from app.api.schema import operation
from app.errors import ValidationError
from app.pagination import paginated
from app.tenancy import current_company, get_or_404
from pathways.capabilities.models import Capability

from . import offerings, providers, search
from .models import Offering, Provider
from .schemas import Delta, NewOffering, OfferingChange, OfferingPage, OfferingQuery
from .schemas import Offering as OfferingOut

bp = api_blueprint("catalogue_api", __name__)
NOT_NULL = ("title", "type", "price_minor", "duration_hours", "format")


def offering_json(o: Offering) -> dict[str, Any]:
    return {"id": o.id, "title": o.title, "type": o.type,
            "provider": o.provider.name if o.provider else None, "provider_id": o.provider_id,
            "description": o.description, "url": o.url, "price_minor": o.price_minor,
            "currency": o.currency, "duration_hours": o.duration_hours, "format": o.format,
            "language": o.language, "rating": o.rating, "rating_count": o.rating_count,
            "retired": o.retired,
            "capabilities": [{"capability_id": d.capability_id, "from_level": d.from_level,
                              "to_level": d.to_level} for d in o.capabilities]}


@bp.get("/offerings")
@operation(query=OfferingQuery, response=OfferingPage)
def list_offerings(query: OfferingQuery) -> dict[str, Any]:
    """Search the catalogue (same filters as the page; prices in minor units here)."""
    params = search.SearchParams(
        q=query.q, capability_id=query.capability_id, type=query.type, format=query.format,
        price_min=query.price_min_minor, price_max=query.price_max_minor,
        hours_min=query.hours_min, hours_max=query.hours_max, provider_id=query.provider_id,
        sort=query.sort, include_retired=query.include_retired)
    return paginated(search.search(current_company().id, params), offering_json, query)


def _provider_id(name: str | None, provider_id: int | None) -> int | None:
    """A provider named in the body (created if new), else the id sent (one of ours)."""
    if name and name.strip():
        existing = next((p for p in providers.list_providers(current_company().id, True)
                         if p.name.lower() == name.strip().lower()), None)
        return (existing or providers.save_provider(current_user, name)).id
    if provider_id is not None:
        get_or_404(Provider, provider_id)
    return provider_id


def _deltas(items: list[Delta]) -> list[offerings.Delta]:
    # Another company's capability is a 404, as everywhere else.
    return [offerings.Delta(get_or_404(Capability, d.capability_id).id, d.from_level,
                            d.to_level) for d in items]


def _current(o: Offering) -> dict[str, Any]:
    return {"title": o.title, "type": o.type, "price_minor": o.price_minor,
            "duration_hours": o.duration_hours, "provider_id": o.provider_id,
            "description": o.description, "url": o.url, "currency": o.currency,
            "format": o.format, "language": o.language}


def _offering_data(values: dict[str, Any], deltas: list[offerings.Delta]
                   ) -> offerings.OfferingData:
    return offerings.OfferingData(
        title=values["title"], type=values["type"], price_minor=values["price_minor"],
        duration_hours=values["duration_hours"], provider_id=values.get("provider_id"),
        description=values.get("description"), url=values.get("url"),
        currency=values.get("currency"), format=values.get("format") or "online",
        language=values.get("language") or "en", capabilities=deltas)


@bp.post("/offerings")
@operation(body=NewOffering, response=OfferingOut, status=201)
def create_offering(body: NewOffering) -> dict[str, Any]:
    """Add an offering to the catalogue (admin)."""
    require_role("admin")
    values = body.model_dump(exclude={"provider", "capabilities"})
    values["provider_id"] = _provider_id(body.provider, body.provider_id)
    offering = offerings.save_offering(current_user,
                                       _offering_data(values, _deltas(body.capabilities)))
    return offering_json(offering)


@bp.get("/offerings/<int:offering_id>")
@operation(response=OfferingOut)
def get_offering(offering_id: int) -> dict[str, Any]:
    """One offering."""
    return offering_json(get_or_404(Offering, offering_id))


@bp.patch("/offerings/<int:offering_id>")
@operation(body=OfferingChange, response=OfferingOut)
def update_offering(offering_id: int, body: OfferingChange) -> dict[str, Any]:
    """Change some fields of an offering, or retire/restore it with `retired` (admin)."""
    offering = get_or_404(Offering, offering_id)
    require_role("admin")
    sent = body.model_dump(exclude_unset=True, exclude={"retired"})
    for name in NOT_NULL:
        if name in sent and sent[name] is None:
            raise ValidationError(f"'{name}' cannot be null.", name)
    if sent:
        values = _current(offering) | {k: v for k, v in sent.items()
                                       if k not in ("provider", "capabilities")}
        if "provider" in sent or "provider_id" in sent:
            values["provider_id"] = _provider_id(body.provider, values.get("provider_id"))
        deltas = (_deltas(body.capabilities) if body.capabilities is not None else
                  [offerings.Delta(d.capability_id, d.from_level, d.to_level)
                   for d in offering.capabilities])
        offerings.save_offering(current_user, _offering_data(values, deltas), offering)
    if body.retired is not None and body.retired != offering.retired:
        offerings.set_offering_retired(current_user, offering, body.retired)
    return offering_json(offering)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
