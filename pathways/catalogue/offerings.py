"""Offerings: create, edit, retire and the capabilities each develops (flush, never commit);
the text and address checks the catalogue shares, and the offering page's hooks for higher
rooms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from flask import Flask
from sqlalchemy import select

from app import audit
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import Company, User, utcnow
from pathways.capabilities.models import Capability

from .models import (
    FORMAT_LABELS,
    OFFERING_FORMATS,
    OFFERING_TYPE_LABELS,
    OFFERING_TYPES,
    Offering,
    OfferingCapability,
    Provider,
)

MAX_PRICE_MINOR = 10_000_000_00
MAX_HOURS = 10_000


def clean_text(value: str | None, name: str, limit: int, required: bool = False) -> str | None:
    """The stripped text (None when empty), refused when required and empty or too long."""
    value = (value or "").strip()
    label = name.replace("_", " ").capitalize()
    if required and not value:
        raise ValidationError(f"{label} is required.", name)
    if len(value) > limit:
        raise ValidationError(f"{label} must be at most {limit} characters.", name)
    return value or None


def check_url(value: str | None, name: str = "url") -> str | None:
    value = clean_text(value, name, 500)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f"'{value}' is not a web address; start it with https://.", name)
    return value


def require_admin(actor: User) -> None:
    if not actor.has_role("admin"):
        raise PermissionDenied("Only an L&D admin manages the catalogue.")



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
        "title": clean_text(data.title, "title", 200, required=True),
        "description": clean_text(data.description, "description", 10_000),
        "url": check_url(data.url),
        "language": clean_text(data.language or "en", "language", 12) or "en",
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


def search_text_for(title: str, description: str | None, provider: str | None,
                    capability_names: list[str]) -> str:
    parts = [title, description or "", provider or "", " ".join(capability_names)]
    return " ".join(p for p in parts if p).lower()


def refresh_search_text(offering: Offering) -> None:
    """Rebuild the lower-cased search copy (title, description, provider, capabilities)."""
    provider = (db.session.get(Provider, offering.provider_id)
                if offering.provider_id else None)
    cap_ids = [d.capability_id for d in offering.capabilities]
    names = list(db.session.scalars(select(Capability.name).where(Capability.id.in_(cap_ids)))
                 ) if cap_ids else []
    offering.search_text = search_text_for(offering.title, offering.description,
                                           provider.name if provider else None, names)


def save_offering(actor: User, data: OfferingData, offering: Offering | None = None) -> Offering:
    """Create an offering, or replace the fields and capabilities of `offering`."""
    require_admin(actor)
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
    require_admin(actor)
    offering.retired_at = utcnow() if retired else None
    db.session.flush()
    audit.record(actor, actor.company_id, "offering.retire" if retired else "offering.restore",
                 "offering", offering.id,
                 f"Offering {offering.title} {'retired' if retired else 'restored'}")




def type_label(value: str) -> str:
    return OFFERING_TYPE_LABELS.get(value, value)


def format_label(value: str) -> str:
    return FORMAT_LABELS.get(value, value)


def add_offering_action(app: Flask, template: str) -> None:
    """Another package's template to include in the action area of the offering page (the
    learning-requests flow adds its "Request" button); it gets `offering` in its context."""
    actions = app.extensions.setdefault("trellis_offering_actions", [])
    if template not in actions:
        actions.append(template)


def add_develops_note(app: Flask, template: str) -> None:
    """A higher room's template to include under "What it develops" on the offering page (the
    learning room lists the pathways the offering is a step of); it gets `offering`."""
    notes = app.extensions.setdefault("trellis_develops_notes", [])
    if template not in notes:
        notes.append(template)
