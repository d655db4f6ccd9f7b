"""SCIM PATCH (RFC 7644 §3.5.2) on a resource's JSON: the result is then saved like a PUT, so a
PATCH can do nothing a PUT could not. Accepts what real providers send: `"Replace"` (Entra ID
capitalises ops), no path with a value object, URN-qualified and dotted keys, string booleans."""

from __future__ import annotations

import re
from typing import Any

from .errors import ScimError
from .filters import Compare, Logical, Node, attr_name, matches, parse
from .resources import CANONICAL, ENTERPRISE, PATCH_OP, canonical_value, deep, put

_PATH = re.compile(r"^(?P<attr>[^\[\]]+?)(?:\[(?P<filter>.*)\](?:\.(?P<sub>[\w$]+))?)?$")
READ_ONLY = {"id", "meta", "schemas"}


def apply(resource: dict[str, Any], body: Any, schema: str) -> dict[str, Any]:
    """The resource after every operation of a PatchOp body (all or nothing)."""
    if not isinstance(body, dict):
        raise ScimError(400, "Send a PatchOp JSON object.", "invalidSyntax")
    schemas = body.get("schemas")
    if isinstance(schemas, list) and schemas and PATCH_OP not in schemas:
        raise ScimError(400, f"A PATCH body's schemas must be [\"{PATCH_OP}\"].", "invalidSyntax")
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH body needs a non-empty 'Operations' list.", "invalidSyntax")
    result = deep(resource)
    for number, operation in enumerate(operations, 1):
        if not isinstance(operation, dict):
            raise ScimError(400, f"Operation {number} is not an object.", "invalidSyntax")
        _one(result, operation, schema, number)
    return result


def _one(resource: dict[str, Any], operation: dict[str, Any], schema: str, number: int) -> None:
    op = str(operation.get("op", "")).strip().lower()
    if op not in ("add", "replace", "remove"):
        raise ScimError(400, f"Operation {number}: op must be add, replace or remove.", "invalidSyntax")
    path, value = operation.get("path"), operation.get("value")
    if path in (None, ""):
        if op == "remove":
            raise ScimError(400, f"Operation {number}: remove needs a path.", "noTarget")
        if not isinstance(value, dict):
            raise ScimError(400, f"Operation {number}: without a path the value must be an object.",
                            "invalidValue")
        for key, item in value.items():
            _at(resource, str(key), op, item, schema, number)
        return
    if not isinstance(path, str):
        raise ScimError(400, f"Operation {number}: path must be a string.", "invalidPath")
    _at(resource, path, op, value, schema, number)


def _container(resource: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """Where a path points: the resource or its Enterprise extension, and the rest of the path."""
    ext = ENTERPRISE.lower()
    low = path.strip().lower()
    if low == ext:
        return resource, ENTERPRISE
    if low.startswith(ext + ":"):
        inner = resource.get(ENTERPRISE)
        if not isinstance(inner, dict):
            inner = resource[ENTERPRISE] = {}
        return inner, path.strip()[len(ext) + 1:]
    return resource, path.strip() if not low.startswith("urn:") else _strip_core(path.strip())


def _strip_core(path: str) -> str:
    stripped = attr_name(path)
    if stripped.startswith("urn:"):
        raise ScimError(400, f"Unknown schema in path '{path}'.", "invalidPath")
    return stripped


def _at(resource: dict[str, Any], path: str, op: str, value: Any, schema: str, number: int) -> None:
    container, rest = _container(resource, path)
    if rest == ENTERPRISE:  # the whole extension
        if op == "remove":
            resource.pop(ENTERPRISE, None)
        else:
            existing = resource.get(ENTERPRISE)
            current: dict[str, Any] = existing if op == "add" and isinstance(existing, dict) else {}
            resource[ENTERPRISE] = current
            for key, item in (value or {}).items() if isinstance(value, dict) else []:
                if key.lower() != "schemas":
                    put(current, key, item, ENTERPRISE)
        return
    match = _PATH.match(rest)
    if match is None:
        raise ScimError(400, f"Operation {number}: cannot read the path '{path}'.", "invalidPath")
    attr_path, raw_filter, sub = match.group("attr"), match.group("filter"), match.group("sub")
    names = [CANONICAL.get(p.lower(), p) for p in attr_path.split(".")]
    if names[0] in READ_ONLY:
        raise ScimError(400, f"Operation {number}: '{names[0]}' cannot be changed.", "mutability")
    if raw_filter is not None:
        _filtered(container, names[0], parse(raw_filter), sub, op, value, number)
    elif len(names) == 2:
        _simple(_child(container, names[0], op), names[1], op, value)
    else:
        _simple(container, names[0], op, value)
    if container is resource.get(ENTERPRISE) and not container:
        resource.pop(ENTERPRISE, None)


def _child(container: dict[str, Any], name: str, op: str) -> dict[str, Any]:
    child = container.get(name)
    if not isinstance(child, dict):
        child = {}
        if op != "remove":
            container[name] = child
    return child


def _simple(container: dict[str, Any], name: str, op: str, value: Any) -> None:
    """add/replace/remove on `name` without a filter."""
    current = container.get(name)
    if op == "remove":
        if isinstance(current, list) and isinstance(value, list) and value:
            # Entra ID removes group members as {"path": "members", "value": [{"value": id}]}.
            gone = {str(v.get("value")) for v in value if isinstance(v, dict)}
            kept = [item for item in current if not (isinstance(item, dict) and str(item.get("value")) in gone)]
            container[name] = kept
        else:
            container.pop(name, None)
        if container.get(name) in ([], {}):
            container.pop(name, None)
        return
    value = canonical_value(value)
    if op == "add" and isinstance(current, list):
        for item in value if isinstance(value, list) else [value]:
            if item not in current:
                current.append(item)
    elif op == "add" and isinstance(current, dict) and isinstance(value, dict):
        current.update(value)
    else:
        container[name] = value


def _filtered(container: dict[str, Any], name: str, node: Node, sub: str | None, op: str,
              value: Any, number: int) -> None:
    """Operations on the elements of a multi-valued attribute that match a filter."""
    items = container.get(name)
    items = items if isinstance(items, list) else []
    hits = [item for item in items if isinstance(item, dict) and matches(node, item)]
    sub = CANONICAL.get(sub.lower(), sub) if sub else None
    if op == "remove":
        if sub:
            for item in hits:
                item.pop(sub, None)
        else:
            container[name] = [item for item in items if item not in hits]
        if not container.get(name):
            container.pop(name, None)
        return
    if not hits:
        # `emails[type eq "work"].value` on a person without a work address: create the element
        # from the filter's equalities (what Entra ID and Okta expect).
        element = _element_from(node, number)
        items.append(element)
        container[name] = items
        hits = [element]
    for item in hits:
        if sub:
            item[sub] = canonical_value(value)
        elif isinstance(value, dict):
            item.update(canonical_value(value))
        else:
            raise ScimError(400, f"Operation {number}: the value must be an object.", "invalidValue")


def _element_from(node: Node, number: int) -> dict[str, Any]:
    if isinstance(node, Compare) and node.op == "eq":
        return {CANONICAL.get(node.attr, node.attr): node.value}
    if isinstance(node, Logical) and node.op == "and":
        return _element_from(node.left, number) | _element_from(node.right, number)
    raise ScimError(400, f"Operation {number}: no element matches the path's filter.", "noTarget")
