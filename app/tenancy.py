"""Tenant scoping: every lookup of tenant data carries the company; a foreign id is a 404."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Select, select

from .extensions import db
from .models import Company

M = TypeVar("M")


def current_company() -> Company:
    """The signed-in user's company (web session or API token)."""
    company = getattr(g, "company", None)
    if company is None:
        if not current_user.is_authenticated:
            abort(401)
        company = current_user.company
        g.company = company
    return company


def scoped(model: type[M], company_id: int | None = None) -> Select[M]:
    """`SELECT model WHERE company_id = <current company>`."""
    cid = company_id if company_id is not None else current_company().id
    return select(model).where(model.company_id == cid)  # type: ignore[attr-defined]


def get_or_404(model: type[M], object_id: Any, company_id: int | None = None) -> M:
    """Load one tenant-owned row by id, or abort 404 when it is missing or another company's."""
    try:
        oid = int(object_id)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.scalar(scoped(model, company_id).where(model.id == oid))  # type: ignore[attr-defined]
    if obj is None:
        abort(404)
    return obj
