"""Fixtures for catalogue and pathway tests (import them into a test module to use them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company
from pathways import catalogue
from pathways.catalogue_models import Offering, Provider
from pathways.models import Capability

from .conftest import _admin

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def make_provider(app: Flask) -> Callable[..., Provider]:
    def factory(company: Company, name: str = "Acme Academy") -> Provider:
        provider = catalogue.save_provider(_admin(company), name, "https://academy.example")
        db.session.commit()
        return provider

    return factory


@pytest.fixture
def make_offering(app: Flask) -> Callable[..., Offering]:
    counter = iter(range(1, 100_000))

    def factory(company: Company, title: str | None = None, price_minor: int = 10_000,
                hours: float = 8, develops: dict[Capability, tuple[int, int]] | None = None,
                **kw: Any) -> Offering:
        data = catalogue.OfferingData(
            title=title or f"Offering {next(counter)}", type=kw.pop("type", "course"),
            price_minor=price_minor, duration_hours=hours,
            capabilities=[catalogue.Delta(c.id, f, t) for c, (f, t) in (develops or {}).items()],
            **kw)
        offering = catalogue.save_offering(_admin(company), data)
        db.session.commit()
        return offering

    return factory


def admin_of(company: Company) -> Any:
    return _admin(company)
