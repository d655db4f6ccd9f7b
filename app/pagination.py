"""One paginator for the pages and the JSON API: `?page=&per_page=` from the request.

    paginate(select, rows=False)    a Flask-SQLAlchemy pagination of the select (ORM objects, or
                                    whole rows with `rows=True` for selects of several columns)
    page_json(pagination, fn)       {items, page, per_page, total, pages}, each item through fn
    paginated(select, fn)           both at once: the API's list responses
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from .api.schema import PAGE_MAX
from .errors import ValidationError
from .extensions import db

MAX_PER_PAGE = 200


class RowPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination for selects of several columns (it keeps whole rows)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def page_args(per_page: int | None = None) -> tuple[int, int]:
    """(page, per_page) from the request; `per_page` fixes the size instead of `?per_page=`."""
    try:
        page = max(1, int(request.args.get("page", 1)))
        size = per_page or min(MAX_PER_PAGE, max(1, int(request.args.get(
            "per_page", current_app.config["PER_PAGE"]))))
    except ValueError as exc:
        raise ValidationError("'page' and 'per_page' must be whole numbers.", "page") from exc
    if page > PAGE_MAX:  # an offset past this is no page anyone reads, and overflows the database
        raise ValidationError(f"'page' must be at most {PAGE_MAX}.", "page")
    return page, size


def paginate(select: Select[Any], rows: bool = False, per_page: int | None = None) -> Pagination:
    page, size = page_args(per_page)
    if rows:
        return RowPagination(select=select, session=db.session(), page=page, per_page=size,
                             max_per_page=MAX_PER_PAGE, error_out=False)
    return db.paginate(select, page=page, per_page=size, max_per_page=MAX_PER_PAGE,
                       error_out=False)


def page_json(pagination: Pagination, serialise: Any) -> dict[str, Any]:
    return {"items": [serialise(r) for r in pagination.items], "page": pagination.page,
            "per_page": pagination.per_page, "total": pagination.total,
            "pages": pagination.pages}


def paginated(select: Select[Any], serialise: Any, paging: Any = None) -> dict[str, Any]:
    """Page a query into {items, page, per_page, total, pages}.

    `paging` is an endpoint's validated `app.api.schema.Paging` query; without it the
    `?page=&per_page=` arguments are read from the request here.
    """
    if paging is None:
        return page_json(paginate(select), serialise)
    size = paging.per_page or current_app.config["PER_PAGE"]
    return page_json(db.paginate(select, page=paging.page, per_page=size,
                                 max_per_page=MAX_PER_PAGE, error_out=False), serialise)
