"""Catalogue search, the same on SQLite and PostgreSQL.

`Offering.search_text` is a lower-cased copy of title, description, provider and capability
names, matched with escaped LIKE patterns (every word must match); relevance weighs a match in
the title 3 × a match elsewhere. With 5,000 offerings that is one indexed scan of the
company's rows (see `pathways.catalogue.bench`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, exists, func, literal, select

from app.errors import ValidationError
from app.extensions import db

from .models import (
    OFFERING_FORMATS,
    OFFERING_TYPES,
    Offering,
    OfferingCapability,
)

SORTS = {"relevance": "Relevance", "price": "Price: low to high", "price_desc":
         "Price: high to low", "rating": "Rating", "duration": "Duration", "title": "Title"}





@dataclass
class SearchParams:
    q: str | None = None
    capability_id: int | None = None
    type: str | None = None
    format: str | None = None
    price_min: int | None = None  # minor units
    price_max: int | None = None
    hours_min: float | None = None
    hours_max: float | None = None
    provider_id: int | None = None
    sort: str = "relevance"
    include_retired: bool = False

    def words(self) -> list[str]:
        return [w for w in (self.q or "").lower().split() if w][:8]


def search(company_id: int, params: SearchParams) -> Select[Offering]:
    """Offerings matching every word and filter, in the requested order (a query to page)."""
    query = select(Offering).where(Offering.company_id == company_id)
    if not params.include_retired:
        query = query.where(Offering.retired_at.is_(None))
    words = params.words()
    relevance: Any = literal(0)
    for w in words:
        query = query.where(Offering.search_text.contains(w, autoescape=True))
        relevance = relevance + case(
            (func.lower(Offering.title).contains(w, autoescape=True), 3), else_=1)
    if params.type:
        query = query.where(Offering.type == params.type)
    if params.format:
        query = query.where(Offering.format == params.format)
    if params.provider_id:
        query = query.where(Offering.provider_id == params.provider_id)
    if params.price_min is not None:
        query = query.where(Offering.price_minor >= params.price_min)
    if params.price_max is not None:
        query = query.where(Offering.price_minor <= params.price_max)
    if params.hours_min is not None:
        query = query.where(Offering.duration_hours >= params.hours_min)
    if params.hours_max is not None:
        query = query.where(Offering.duration_hours <= params.hours_max)
    if params.capability_id:
        query = query.where(exists().where(
            OfferingCapability.offering_id == Offering.id,
            OfferingCapability.capability_id == params.capability_id))
    rating = case((Offering.rating_count > 0,
                   Offering.rating_sum * 1.0 / Offering.rating_count), else_=0)
    orders: dict[str, list[Any]] = {
        "price": [Offering.price_minor],
        "price_desc": [Offering.price_minor.desc()],
        "rating": [rating.desc(), Offering.rating_count.desc()],
        "duration": [Offering.duration_hours],
        "title": [],
    }
    order = orders.get(params.sort, [relevance.desc()] if words else [])
    return query.order_by(*order, Offering.title, Offering.id)


def parse_search(args: Any) -> SearchParams:
    """SearchParams from query-string arguments (money in major units, e.g. price_max=500)."""
    def number(name: str, kind: type = float) -> Any:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = kind(raw)
        except ValueError as exc:
            raise ValidationError(f"'{name}' must be a number.", name) from exc
        if value < 0:
            raise ValidationError(f"'{name}' cannot be negative.", name)
        return value

    def money(name: str) -> int | None:
        value = number(name)
        return None if value is None else int(round(value * 100))

    type_, fmt = args.get("type") or None, args.get("format") or None
    if type_ and type_ not in OFFERING_TYPES:
        raise ValidationError(f"'type' must be one of {', '.join(OFFERING_TYPES)}.", "type")
    if fmt and fmt not in OFFERING_FORMATS:
        raise ValidationError(f"'format' must be one of {', '.join(OFFERING_FORMATS)}.", "format")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise ValidationError(f"'sort' must be one of {', '.join(SORTS)}.", "sort")
    return SearchParams(
        q=(args.get("q") or "").strip()[:200] or None,
        capability_id=number("capability_id", int), type=type_, format=fmt,
        price_min=money("price_min"), price_max=money("price_max"),
        hours_min=number("hours_min"), hours_max=number("hours_max"),
        provider_id=number("provider_id", int), sort=sort)


def deltas_by_offering(offering_ids: list[int]) -> dict[int, list[OfferingCapability]]:
    """The capability deltas of many offerings in one query (for list pages)."""
    result: dict[int, list[OfferingCapability]] = {i: [] for i in offering_ids}
    if offering_ids:
        for row in db.session.scalars(select(OfferingCapability).where(
                OfferingCapability.offering_id.in_(offering_ids))):
            result[row.offering_id].append(row)
    return result
