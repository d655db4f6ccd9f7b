"""Who may see whose budget, and paging of aggregate rows."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select

from app.errors import ValidationError
from app.extensions import db
from app.models import User

MAX_PER_PAGE = 200


def can_see_budget(viewer: User, person: User) -> bool:
    """Everyone sees their own; managers their direct reports; admins and executives all."""
    return (viewer.id == person.id or viewer.has_role("admin", "executive")
            or (viewer.has_role("manager") and person.manager_id == viewer.id))


class RowPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination for selects of several columns (it keeps whole rows)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def page_rows(select: Select[Any], per_page: int | None = None) -> RowPagination:
    """Page a multi-column select with `?page=&per_page=` from the request."""
    try:
        page = max(1, int(request.args.get("page", 1)))
        size = per_page or min(MAX_PER_PAGE, max(1, int(request.args.get(
            "per_page", current_app.config["PER_PAGE"]))))
    except ValueError as exc:
        raise ValidationError("'page' and 'per_page' must be whole numbers.", "page") from exc
    return RowPagination(select=select, session=db.session(), page=page, per_page=size,
                         max_per_page=MAX_PER_PAGE, error_out=False)


def page_json(pagination: RowPagination, serialise: Any) -> dict[str, Any]:
    return {"items": [serialise(r) for r in pagination.items], "page": pagination.page,
            "per_page": pagination.per_page, "total": pagination.total,
            "pages": pagination.pages}
