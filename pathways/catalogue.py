"""Catalogue service: providers, offerings (create, edit, retire), search, reviews, completions.

Every function takes the acting user, validates, writes through the session and flushes; it
never commits. Search works the same on SQLite and PostgreSQL: `Offering.search_text` is a
lower-cased copy of title, description, provider and capability names, matched with escaped
LIKE patterns (every word must match); relevance weighs a match in the title 3 × a match
elsewhere. With 5,000 offerings that is one indexed scan of the company's rows (see
`pathways.bench_catalogue`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Select, case, exists, func, literal, select

from app import audit
from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Company, User, utcnow

from . import levels
from .catalogue_models import (
    FORMAT_LABELS,
    OFFERING_FORMATS,
    OFFERING_TYPE_LABELS,
    OFFERING_TYPES,
    Offering,
    OfferingCapability,
    OfferingCompletion,
    Provider,
    Review,
)
from .models import Capability, Source

MAX_PRICE_MINOR = 10_000_000_00
MAX_HOURS = 10_000
SORTS = {"relevance": "Relevance", "price": "Price: low to high", "price_desc":
         "Price: high to low", "rating": "Rating", "duration": "Duration", "title": "Title"}


def _text(value: str | None, name: str, limit: int, required: bool = False) -> str | None:
    value = (value or "").strip()
    label = name.replace("_", " ").capitalize()
    if required and not value:
        raise ValidationError(f"{label} is required.", name)
    if len(value) > limit:
        raise ValidationError(f"{label} must be at most {limit} characters.", name)
    return value or None


def check_url(value: str | None, name: str = "url") -> str | None:
    value = _text(value, name, 500)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f"'{value}' is not a web address; start it with https://.", name)
    return value


def _require_admin(actor: User) -> None:
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin manages the catalogue.")


# --- providers ---------------------------------------------------------------------------------

def save_provider(actor: User, name: str, url: str | None = None, description: str | None = None,
                  provider: Provider | None = None) -> Provider:
    """Create a provider, or update `provider`."""
    _require_admin(actor)
    name = _text(name, "name", 160, required=True) or ""
    clash = db.session.scalar(select(Provider.id).where(
        Provider.company_id == actor.company_id, func.lower(Provider.name) == name.lower()))
    if clash and (provider is None or clash != provider.id):
        raise Conflict(f"There is already a provider called '{name}'.", "name")
    url, description = check_url(url), _text(description, "description", 5000)
    if provider is None:
        provider = Provider(company_id=actor.company_id, name=name)
        db.session.add(provider)
    renamed = provider.name != name
    provider.name, provider.url, provider.description = name, url, description
    db.session.flush()
    if renamed:
        for offering in db.session.scalars(select(Offering).where(
                Offering.company_id == actor.company_id, Offering.provider_id == provider.id)):
            refresh_search_text(offering)
    audit.record(actor, actor.company_id, "provider.save", "provider", provider.id,
                 f"Provider {name} saved")
    return provider


def set_provider_retired(actor: User, provider: Provider, retired: bool) -> None:
    _require_admin(actor)
    provider.retired_at = utcnow() if retired else None
    db.session.flush()
    audit.record(actor, actor.company_id, "provider.retire" if retired else "provider.restore",
                 "provider", provider.id, f"Provider {provider.name} "
                 f"{'retired' if retired else 'restored'}")


def providers(company_id: int, include_retired: bool = False) -> list[Provider]:
    query = select(Provider).where(Provider.company_id == company_id)
    if not include_retired:
        query = query.where(Provider.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Provider.name)))


# --- offerings ---------------------------------------------------------------------------------

@dataclass
class Delta:
    """An offering develops `capability_id` from `from_level` to `to_level`."""

    capability_id: int
    from_level: int
    to_level: int


@dataclass
class OfferingData:
    title: str
    type: str
    price_minor: int
    duration_hours: float
    provider_id: int | None = None
    description: str | None = None
    url: str | None = None
    currency: str | None = None
    format: str = "online"
    language: str = "en"
    capabilities: list[Delta] = field(default_factory=list)


def validate_offering(company: Company, data: OfferingData) -> dict[str, Any]:
    """The checked column values of an offering (ValidationError naming the field otherwise)."""
    values: dict[str, Any] = {
        "title": _text(data.title, "title", 200, required=True),
        "description": _text(data.description, "description", 10_000),
        "url": check_url(data.url),
        "language": _text(data.language or "en", "language", 12) or "en",
    }
    if data.type not in OFFERING_TYPES:
        raise ValidationError(f"Type must be one of {', '.join(OFFERING_TYPES)}.", "type")
    if data.format not in OFFERING_FORMATS:
        raise ValidationError(f"Format must be one of {', '.join(OFFERING_FORMATS)}.", "format")
    price = data.price_minor
    if not isinstance(price, int) or isinstance(price, bool) or not 0 <= price <= MAX_PRICE_MINOR:
        raise ValidationError("Price must be a whole number of minor units (cents) from 0.",
                              "price_minor")
    currency = (data.currency or company.currency).upper()
    if currency != company.currency:
        raise ValidationError(f"Prices are in the company currency, {company.currency}.",
                              "currency")
    hours = data.duration_hours
    if (not isinstance(hours, int | float) or isinstance(hours, bool)
            or not 0 <= hours <= MAX_HOURS):
        raise ValidationError(f"Duration must be a number of hours from 0 to {MAX_HOURS}.",
                              "duration_hours")
    if data.provider_id is not None:
        provider = db.session.get(Provider, data.provider_id)
        if provider is None or provider.company_id != company.id:
            raise ValidationError("Choose one of your providers.", "provider_id")
    values.update(type=data.type, format=data.format, price_minor=price, currency=currency,
                  duration_hours=float(hours), provider_id=data.provider_id)
    return values


def check_deltas(company_id: int, deltas: list[Delta], live_only: bool = True
                 ) -> dict[int, Capability]:
    """Validate capability deltas; returns the capabilities by id."""
    ids = [d.capability_id for d in deltas]
    if len(set(ids)) != len(ids):
        raise ValidationError("Each capability can be listed once per offering.", "capabilities")
    caps = {c.id: c for c in db.session.scalars(select(Capability).where(
        Capability.company_id == company_id, Capability.id.in_(ids)))} if ids else {}
    for d in deltas:
        cap = caps.get(d.capability_id)
        if cap is None:
            raise ValidationError(f"Capability {d.capability_id} is not one of yours.",
                                  "capabilities")
        if live_only and cap.retired:
            raise ValidationError(f"'{cap.name}' is retired.", "capabilities")
        top = cap.framework.scale.max_level
        if not (isinstance(d.from_level, int) and isinstance(d.to_level, int)
                and 0 <= d.from_level < d.to_level <= top):
            raise ValidationError(f"{cap.name}: levels must satisfy 0 ≤ from < to ≤ {top}.",
                                  "capabilities")
    return caps


def refresh_search_text(offering: Offering) -> None:
    """Rebuild the lower-cased search copy (title, description, provider, capabilities)."""
    provider = (db.session.get(Provider, offering.provider_id)
                if offering.provider_id else None)
    cap_ids = [d.capability_id for d in offering.capabilities]
    names = list(db.session.scalars(select(Capability.name).where(Capability.id.in_(cap_ids)))
                 ) if cap_ids else []
    parts = [offering.title, offering.description or "", provider.name if provider else "",
             " ".join(names)]
    offering.search_text = " ".join(p for p in parts if p).lower()


def save_offering(actor: User, data: OfferingData, offering: Offering | None = None) -> Offering:
    """Create an offering, or replace the fields and capabilities of `offering`."""
    _require_admin(actor)
    company = db.session.get(Company, actor.company_id)
    assert company is not None
    values = validate_offering(company, data)
    check_deltas(company.id, data.capabilities)
    before = _snapshot(offering) if offering else {}
    if offering is None:
        offering = Offering(company_id=company.id)
        db.session.add(offering)
    for key, value in values.items():
        setattr(offering, key, value)
    offering.capabilities = [
        OfferingCapability(company_id=company.id, capability_id=d.capability_id,
                           from_level=d.from_level, to_level=d.to_level)
        for d in data.capabilities]
    db.session.flush()
    refresh_search_text(offering)
    db.session.flush()
    audit.record(actor, company.id, "offering.save", "offering", offering.id,
                 f"Offering {offering.title} saved", audit.diff(before, _snapshot(offering)))
    return offering


def _snapshot(o: Offering) -> dict[str, Any]:
    return {"title": o.title, "type": o.type, "price_minor": o.price_minor,
            "duration_hours": o.duration_hours, "provider_id": o.provider_id, "format": o.format,
            "url": o.url, "capabilities": [(d.capability_id, d.from_level, d.to_level)
                                           for d in o.capabilities]}


def set_offering_retired(actor: User, offering: Offering, retired: bool) -> None:
    """Retire (hide from search and new pathways, keep its history) or bring it back."""
    _require_admin(actor)
    offering.retired_at = utcnow() if retired else None
    db.session.flush()
    audit.record(actor, actor.company_id, "offering.retire" if retired else "offering.restore",
                 "offering", offering.id,
                 f"Offering {offering.title} {'retired' if retired else 'restored'}")


# --- search ------------------------------------------------------------------------------------

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


def search(company_id: int, params: SearchParams) -> Select[tuple[Offering]]:
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
    order: list[Any] = {
        "price": [Offering.price_minor],
        "price_desc": [Offering.price_minor.desc()],
        "rating": [rating.desc(), Offering.rating_count.desc()],
        "duration": [Offering.duration_hours],
        "title": [],
    }.get(params.sort, [relevance.desc()] if words else [])
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


# --- completions and reviews -------------------------------------------------------------------

def has_completed(employee: User, offering: Offering) -> bool:
    """Whether the person completed the offering (pathway step or completed learning request)."""
    return bool(db.session.scalar(select(exists().where(
        OfferingCompletion.company_id == employee.company_id,
        OfferingCompletion.user_id == employee.id,
        OfferingCompletion.offering_id == offering.id))))


def record_offering_completion(actor: User, employee: User, offering: Offering,
                               note: str | None = None, reference: str | None = None,
                               on: date | None = None, evidence: bool = True
                               ) -> OfferingCompletion:
    """Record that `employee` completed `offering` and the evidence its deltas imply.

    For each capability the offering develops, a "completed offering" assessment at its
    `to_level` is recorded when that is above the person's current level (a course never
    lowers a level). The actor is an admin, the person's line manager, or the person (the
    learning-requests flow decides who may complete a request). `reference` names the
    source ("request:42"); flush, no commit.
    """
    if actor.company_id != employee.company_id or offering.company_id != employee.company_id:
        raise PermissionDenied("That offering or person belongs to another company.")
    if not (actor.has_role("admin") or actor.id == employee.id
            or employee.manager_id == actor.id):
        raise PermissionDenied("Only the person, their manager or an L&D admin records a "
                               "completion.")
    note = _text(note, "note", 2000)
    on = on or date.today()
    row = OfferingCompletion(company_id=employee.company_id, offering_id=offering.id,
                             user_id=employee.id, completed_on=on, note=note,
                             reference=reference or f"offering:{offering.id}",
                             recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    if evidence:
        record_delta_evidence(actor, employee, offering, on, note)
    audit.record(actor, employee.company_id, "offering.complete", "offering", offering.id,
                 f"{employee.name} completed {offering.title}")
    return row


def record_delta_evidence(actor: User, employee: User, offering: Offering, on: date,
                          note: str | None = None, source: str = Source.OFFERING.value) -> int:
    """Evidence at each `to_level` the offering reaches above the current level; returns count."""
    count = 0
    for delta in offering.capabilities:
        cap = delta.capability
        if cap.retired or levels.current_level(employee, cap) >= delta.to_level:
            continue
        levels.record_evidence(actor, employee, cap, delta.to_level, source,
                               note=note or f"Completed {offering.title}", on=on,
                               reference=f"offering:{offering.id}", check=False)
        count += 1
    return count


def save_review(actor: User, offering: Offering, rating: int, text: str | None) -> Review:
    """Add or replace the actor's review; only people who completed the offering may review."""
    if offering.company_id != actor.company_id:
        raise PermissionDenied("That offering belongs to another company.")
    if not has_completed(actor, offering):
        raise PermissionDenied("Only people who completed this offering can review it.",
                               "rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError("Give 1 to 5 stars.", "rating")
    text = _text(text, "text", 4000)
    review = db.session.scalar(select(Review).where(Review.offering_id == offering.id,
                                                    Review.user_id == actor.id))
    if review is None:
        review = Review(company_id=actor.company_id, offering_id=offering.id, user_id=actor.id,
                        rating=rating, text=text)
        db.session.add(review)
        offering.rating_count += 1
        offering.rating_sum += rating
    else:
        offering.rating_sum += rating - review.rating
        review.rating, review.text = rating, text
    db.session.flush()
    audit.record(actor, actor.company_id, "offering.review", "offering", offering.id,
                 f"{actor.name} rated {offering.title} {rating}/5")
    return review


def reviews_query(offering: Offering) -> Select[tuple[Review]]:
    return (select(Review).where(Review.company_id == offering.company_id,
                                 Review.offering_id == offering.id)
            .order_by(Review.created_at.desc(), Review.id.desc()))


def type_label(value: str) -> str:
    return OFFERING_TYPE_LABELS.get(value, value)


def format_label(value: str) -> str:
    return FORMAT_LABELS.get(value, value)
