"""JSON API plumbing: bearer-token auth, JSON errors, body fields (pagination is
`app.pagination`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from ..errors import DomainError, PermissionDenied, ValidationError


def json_error(status: int, code: str, message: str, field: str | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "field": field}})
    response.status_code = status
    return response


def domain_error(exc: DomainError) -> Response:
    return json_error(exc.status, exc.code, exc.message, exc.field)


def require_token() -> Response | None:
    """Every API call needs a valid personal bearer token (cookies are not accepted)."""
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated or getattr(g, "api_token", None) is None:
        return json_error(401, "unauthorized",
                          "Send a valid personal API token as 'Authorization: Bearer <token>'.")
    g.company = current_user.company
    return None


def require_role(*roles: str) -> None:
    if not current_user.has_role(*roles):
        raise PermissionDenied(f"This needs the {' or '.join(roles)} access role.")


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("Send a JSON object with Content-Type: application/json.")
    return data


_MISSING = object()


def field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool = False,
          default: Any = None, nullable: bool = True) -> Any:
    """Read one typed field from a JSON body, raising a ValidationError that names it."""
    value = data.get(name, _MISSING)
    if value is _MISSING:
        if required:
            raise ValidationError(f"'{name}' is required.", name)
        return default
    if value is None:
        if nullable and not required:
            return None
        raise ValidationError(f"'{name}' cannot be null.", name)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int in Python; JSON true is not a number here.
    if (bool in kinds or not isinstance(value, bool)) and isinstance(value, kinds):
        return value
    names = " or ".join(k.__name__.replace("str", "string").replace("int", "integer") for k in kinds)
    raise ValidationError(f"'{name}' must be a {names}.", name)


def date_field(data: dict[str, Any], name: str) -> date | None:
    raw = field(data, name, str)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(f"'{name}' must be a date like 2026-01-31.", name) from exc


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 with token auth, JSON errors and no CSRF (tokens are not cookies).

    Packages make their API with this and register it in their `init_app`.
    """
    from ..extensions import csrf

    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    bp.before_request(require_token)
    bp.register_error_handler(DomainError, domain_error)
    csrf.exempt(bp)
    return bp
