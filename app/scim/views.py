"""The SCIM 2.0 endpoints under /scim/v2 (RFC 7644), authenticated by a company's SCIM token.

Each request is one unit of work (`app.uow`): a SCIM error rolls everything back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import audit
from ..errors import Conflict, DomainError
from ..extensions import csrf, db
from ..models import utcnow
from . import discovery, filters, groups, patch, tokens, users
from .errors import ScimError
from .resources import GROUP, LIST, SEARCH, USER, normalise, params, project

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
csrf.exempt(bp)
MEDIA = "application/scim+json"
ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
DEFAULT_COUNT = 100


def scim(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(data), status=status, mimetype=MEDIA, headers=headers or {})
    if isinstance(data, dict) and isinstance(data.get("meta"), dict) and data["meta"].get("version"):
        response.headers["ETag"] = data["meta"]["version"]
    return response


@bp.errorhandler(ScimError)
def scim_error(exc: ScimError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if exc.status == 401 else {}
    return scim(exc.body(), exc.status, headers)


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError) -> Response:
    db.session.rollback()
    return scim_error(ScimError(409 if isinstance(exc, Conflict) else exc.status, exc.message,
                                "uniqueness" if isinstance(exc, Conflict) else "invalidValue"))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    return scim_error(ScimError(exc.code or 500, exc.description or exc.name))


@bp.before_request
def authenticate() -> None:
    token, problem = tokens.authenticate(request.headers.get("Authorization", ""))
    if problem:
        raise ScimError(401, problem)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    g.scim_token, g.scim_actor, g.company = token, token.created_by, token.created_by.company


def _body() -> Any:
    data = request.get_json(force=True, silent=True)
    if data is None:
        raise ScimError(400, "The body is not JSON.", "invalidSyntax")
    return data


def _audit(action: str, obj_type: str, obj_id: int, what: str) -> None:
    audit.record(g.scim_actor, g.scim_actor.company_id, action, obj_type, obj_id,
                 f"SCIM ({g.scim_token.name}): {request.method} {what}")


def _check_etag(current: dict[str, Any]) -> None:
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*" and current["meta"]["version"] not in [w.strip() for w in wanted.split(",")]:
        raise ScimError(412, "The resource changed since you read it (If-Match does not match its ETag).")


def _resource(data: dict[str, Any], status: int = 200) -> Response:
    attributes, excluded = params(request.args)
    headers = {"Location": data["meta"]["location"]} if status == 201 else {}
    if request.method == "GET" and request.headers.get("If-None-Match") == data["meta"]["version"]:
        return Response(status=304, headers={"ETag": data["meta"]["version"]})
    return scim(project(data, attributes, excluded), status, headers)


# --- discovery --------------------------------------------------------------------------------

def _listing(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schemas": [LIST], "totalResults": len(items), "startIndex": 1, "itemsPerPage": len(items),
            "Resources": items}


def _get_only() -> None:
    if request.method != "GET":
        raise ScimError(405, f"{request.path} only answers GET.")


@bp.route("", methods=ALL, strict_slashes=False)
def root() -> Response:
    raise ScimError(404, "Use /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users or /Groups.")


@bp.route("/ServiceProviderConfig", methods=ALL)
def service_provider_config() -> Response:
    _get_only()
    return scim(discovery.service_provider_config())


@bp.route("/ResourceTypes", methods=ALL)
@bp.route("/ResourceTypes/<type_id>", methods=ALL)
def resource_types(type_id: str | None = None) -> Response:
    _get_only()
    items = discovery.resource_types()
    if type_id is None:
        return scim(_listing(items))
    found = next((t for t in items if t["id"].lower() == type_id.lower()), None)
    if found is None:
        raise ScimError(404, f"No resource type {type_id}.")
    return scim(found)


@bp.route("/Schemas", methods=ALL)
@bp.route("/Schemas/<schema_id>", methods=ALL)
def schemas(schema_id: str | None = None) -> Response:
    _get_only()
    if schema_id is None:
        return scim(_listing(discovery.schemas()))
    found = discovery.schema(schema_id)
    if found is None:
        raise ScimError(404, f"No schema {schema_id}.")
    return scim(found)


# --- lists ------------------------------------------------------------------------------------

def _int(raw: Any, name: str, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ScimError(400, f"'{name}' must be a whole number.", "invalidValue") from None


def _list(query: Callable[[int, filters.Node | None], Any], render: Callable[..., dict[str, Any]],
          args: dict[str, Any]) -> Response:
    raw_filter = args.get("filter")
    node = filters.parse(raw_filter) if isinstance(raw_filter, str) and raw_filter.strip() else None
    start = max(1, _int(args.get("startIndex"), "startIndex", 1))
    count = min(max(0, _int(args.get("count"), "count", DEFAULT_COUNT)), discovery.MAX_RESULTS)
    stmt = query(g.company.id, node)
    total = db.session.scalar(stmt.with_only_columns(db.func.count()).order_by(None)) or 0
    rows = db.session.execute(stmt.offset(start - 1).limit(count)).all() if count else []
    attributes = _names(args.get("attributes"))
    excluded = _names(args.get("excludedAttributes"))
    items = [project(render(*row), attributes, excluded) for row in rows]
    return scim({"schemas": [LIST], "totalResults": total, "startIndex": start,
                 "itemsPerPage": len(items), "Resources": items})


def _names(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(a).strip() for a in raw if str(a).strip()]
    return [a.strip() for a in str(raw or "").split(",") if a.strip()]


def _search_args() -> dict[str, Any]:
    body = _body()
    if not isinstance(body, dict) or (body.get("schemas") and SEARCH not in body.get("schemas", [])):
        raise ScimError(400, f"A search body is a {SEARCH} object.", "invalidSyntax")
    return body


@bp.post("/.search")
def search_everything() -> Response:
    raise ScimError(501, "Search /Users/.search or /Groups/.search; Trellis does not search both at once.")


# --- Users ------------------------------------------------------------------------------------

@bp.route("/Users", methods=["GET", "POST"])
def users_collection() -> Response:
    if request.method == "GET":
        return _list(users.query, users.render, dict(request.args))
    data = normalise(_body(), USER)
    user, link = users.save(g.scim_actor, data)
    _audit("scim.user.create", "user", user.id, f"/Users ({user.email})")
    return _resource(users.render(user, link), 201)


@bp.post("/Users/.search")
def users_search() -> Response:
    return _list(users.query, users.render, _search_args())


@bp.route("/Users/<resource_id>", methods=["GET", "PUT", "PATCH", "DELETE"])
def user_resource(resource_id: str) -> Response:
    user, link = users.load(g.company.id, resource_id)
    current = users.render(user, link)
    if request.method == "GET":
        return _resource(current)
    _check_etag(current)
    if request.method == "DELETE":
        users.delete(g.scim_actor, user, link)
        return Response(status=204)
    data = normalise(_body(), USER) if request.method == "PUT" else patch.apply(current, _body(), USER)
    user, link = users.save(g.scim_actor, data, user, link)
    _audit(f"scim.user.{request.method.lower()}", "user", user.id, f"/Users/{user.id} ({user.email})")
    return _resource(users.render(user, link))


# --- Groups -----------------------------------------------------------------------------------

@bp.route("/Groups", methods=["GET", "POST"])
def groups_collection() -> Response:
    if request.method == "GET":
        return _list(groups.query, groups.render, dict(request.args))
    team, link = groups.save(g.scim_actor, normalise(_body(), GROUP))
    _audit("scim.group.create", "team", team.id, f"/Groups ({team.name})")
    return _resource(groups.render(team, link), 201)


@bp.post("/Groups/.search")
def groups_search() -> Response:
    return _list(groups.query, groups.render, _search_args())


@bp.route("/Groups/<resource_id>", methods=["GET", "PUT", "PATCH", "DELETE"])
def group_resource(resource_id: str) -> Response:
    team, link = groups.load(g.company.id, resource_id)
    current = groups.render(team, link)
    if request.method == "GET":
        return _resource(current)
    _check_etag(current)
    if request.method == "DELETE":
        groups.delete(g.scim_actor, team, link)
        return Response(status=204)
    data = normalise(_body(), GROUP) if request.method == "PUT" else patch.apply(current, _body(), GROUP)
    team, link = groups.save(g.scim_actor, data, team, link)
    _audit(f"scim.group.{request.method.lower()}", "team", team.id, f"/Groups/{groups.scim_id(team.id)}")
    return _resource(groups.render(team, link))


@bp.route("/<path:anything>", methods=ALL)
def unknown(anything: str) -> Response:
    raise ScimError(404, f"There is no SCIM endpoint /{anything}.")
