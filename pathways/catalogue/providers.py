"""Providers of offerings: save, retire, list (flush, never commit)."""

from __future__ import annotations

from sqlalchemy import func, select

from app import audit
from app.errors import Conflict
from app.extensions import db
from app.models import User, utcnow

from .models import (
    Offering,
    Provider,
)
from .offerings import check_url, clean_text, refresh_search_text, require_admin


def save_provider(actor: User, name: str, url: str | None = None, description: str | None = None,
                  provider: Provider | None = None) -> Provider:
    """Create a provider, or update `provider`."""
    require_admin(actor)
    name = clean_text(name, "name", 160, required=True) or ""
    clash = db.session.scalar(select(Provider.id).where(
        Provider.company_id == actor.company_id, func.lower(Provider.name) == name.lower()))
    if clash and (provider is None or clash != provider.id):
        raise Conflict(f"There is already a provider called '{name}'.", "name")
    url, description = check_url(url), clean_text(description, "description", 5000)
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
    require_admin(actor)
    provider.retired_at = utcnow() if retired else None
    db.session.flush()
    audit.record(actor, actor.company_id, "provider.retire" if retired else "provider.restore",
                 "provider", provider.id, f"Provider {provider.name} "
                 f"{'retired' if retired else 'restored'}")


def list_providers(company_id: int, include_retired: bool = False) -> list[Provider]:
    query = select(Provider).where(Provider.company_id == company_id)
    if not include_retired:
        query = query.where(Provider.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Provider.name)))
