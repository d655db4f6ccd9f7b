"""Shared by the User and Group resources: schema names, payload normalisation, meta and ETags,
attribute projection, and reading the loose values real providers send."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime
from typing import Any

from flask import url_for

from .errors import ScimError
from .filters import attr_name

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ALWAYS = ("schemas", "id", "meta")

# Attribute names as Trellis writes them; providers may send any case (RFC 7643 §2.1).
CANONICAL = {name.lower(): name for name in (
    "userName", "name", "formatted", "familyName", "givenName", "displayName", "title", "emails",
    "value", "type", "primary", "active", "department", "manager", "$ref", "members", "externalId",
    "schemas", "id", "meta", "password", "display")}


def base_url() -> str:
    return url_for("scim.root", _external=True).rstrip("/")


def location(kind: str, resource_id: str) -> str:
    return f"{base_url()}/{kind}/{resource_id}"


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def with_meta(resource: dict[str, Any], kind: str, created: datetime, modified: datetime) -> dict[str, Any]:
    """Add `meta`, whose version is a weak ETag over everything else in the resource."""
    digest = hashlib.sha256(json.dumps(resource, sort_keys=True).encode()).hexdigest()[:20]
    resource["meta"] = {"resourceType": kind, "created": iso(created), "lastModified": iso(modified),
                        "location": location(kind + "s", resource["id"]), "version": f'W/"{digest}"'}
    return resource


def normalise(payload: Any, schema: str) -> dict[str, Any]:
    """A resource body with canonical attribute names; URN-qualified keys (`urn:…:User:title`,
    `urn:…:enterprise:2.0:User:department`) and dotted keys (`name.givenName`) put in place."""
    if not isinstance(payload, dict):
        raise ScimError(400, "Send a SCIM resource as a JSON object.", "invalidSyntax")
    out: dict[str, Any] = {}
    for key, value in payload.items():
        put(out, key, value, schema)
    return out


def put(target: dict[str, Any], key: str, value: Any, schema: str) -> None:
    """Set `key` (any case, maybe URN-qualified or dotted) in a resource dict."""
    low = key.lower()
    ext = ENTERPRISE.lower()
    if low == ext:
        inner = target.setdefault(ENTERPRISE, {})
        if isinstance(value, dict):
            for k, v in value.items():
                if k.lower() != "schemas":  # some clients repeat the extension's URN inside it
                    put(inner, k, v, ENTERPRISE)
        else:
            target[ENTERPRISE] = value
        return
    if low.startswith(ext + ":"):
        put(target.setdefault(ENTERPRISE, {}), key[len(ext) + 1:], value, ENTERPRISE)
        return
    name = attr_name(key) if low.startswith("urn:") else low
    if "." in name:
        head, rest = name.split(".", 1)
        inner = target.setdefault(CANONICAL.get(head, head), {})
        if isinstance(inner, dict):
            put(inner, rest, value, schema)
        return
    target[CANONICAL.get(name, key)] = canonical_value(value)


def canonical_value(value: Any) -> Any:
    """Nested dicts (complex attributes, list elements) with canonical attribute names too."""
    if isinstance(value, dict):
        return {CANONICAL.get(k.lower(), k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical_value(v) for v in value]
    return value


def boolean(value: Any, field: str) -> bool:
    """A SCIM boolean; Entra ID sends `"True"`/`"False"` as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, f"'{field}' must be true or false.", "invalidValue")


def text(data: dict[str, Any], field: str, limit: int, required: bool = False) -> str | None:
    """An optional string attribute, trimmed, at most `limit` characters."""
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise ScimError(400, f"'{field}' is required.", "invalidValue")
        return None
    if not isinstance(value, str):
        raise ScimError(400, f"'{field}' must be a string.", "invalidValue")
    value = value.strip()
    if len(value) > limit:
        raise ScimError(400, f"'{field}' is longer than {limit} characters.", "invalidValue")
    if required and not value:
        raise ScimError(400, f"'{field}' is required.", "invalidValue")
    return value or None


def project(resource: dict[str, Any], attributes: list[str], excluded: list[str]) -> dict[str, Any]:
    """Apply `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5); id, schemas, meta always stay."""
    if not attributes and not excluded:
        return resource
    wanted = [_split(a) for a in attributes]
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if key in ALWAYS:
            out[key] = value
            continue
        if key == ENTERPRISE and isinstance(value, dict):
            inner = {k: v for k, v in value.items() if _keep((ENTERPRISE, k), wanted, excluded)}
            if inner:
                out[key] = inner
            continue
        if _keep(("", key), wanted, excluded):
            out[key] = _sub_projection(key, value, wanted)
    return out


def _split(path: str) -> tuple[str, str]:
    low = path.strip().lower()
    if low.startswith(ENTERPRISE.lower() + ":"):
        return ENTERPRISE, path.strip()[len(ENTERPRISE) + 1:].split(".")[0].lower()
    if low == ENTERPRISE.lower():
        return ENTERPRISE, "*"
    return "", attr_name(path.strip())


def _keep(where: tuple[str, str], wanted: list[tuple[str, str]], excluded: list[str]) -> bool:
    container, key = where[0], where[1].lower()
    if excluded:
        return not any(_split(e) in ((container, key), (container, "*")) for e in excluded)
    return any(c == container and (k == key or k.startswith(key + ".") or k == "*") for c, k in wanted)


def _sub_projection(key: str, value: Any, wanted: list[tuple[str, str]]) -> Any:
    subs = [k.split(".", 1)[1] for c, k in wanted if not c and k.startswith(key.lower() + ".")]
    if not subs or not wanted:
        return value
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() in subs}
    if isinstance(value, list):
        return [{k: v for k, v in item.items() if k.lower() in subs} for item in value if isinstance(item, dict)]
    return value


def params(args: Any) -> tuple[list[str], list[str]]:
    """`attributes` and `excludedAttributes` from the query string (comma-separated)."""
    def split(name: str) -> list[str]:
        raw = args.get(name) or ""
        return [a.strip() for a in raw.split(",") if a.strip()] if isinstance(raw, str) else list(raw)

    return split("attributes"), split("excludedAttributes")


def deep(resource: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(resource)
