"""The unit-of-work rule read from the source: route functions of the converted packages contain
no commit(), no rollback() and no `except DomainError` (app/uow.py does all three)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The packages converted so far; a room joins this list once its views are on app.uow.
CONVERTED = ("app", "billing", "pathways", "reports")
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
DOMAIN_ERRORS = {"DomainError", "ValidationError", "PermissionDenied", "NotFound", "Conflict"}


def _is_route(node: ast.FunctionDef) -> bool:
    for deco in node.decorator_list:
        call = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def _problems(node: ast.FunctionDef) -> list[str]:
    found = []
    for inner in ast.walk(node):
        if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in ("commit", "rollback")):
            found.append(f"{inner.func.attr}() on line {inner.lineno}")
        if isinstance(inner, ast.ExceptHandler) and inner.type is not None:
            names = {n.id for n in ast.walk(inner.type) if isinstance(n, ast.Name)}
            if names & DOMAIN_ERRORS:
                found.append(f"except {', '.join(sorted(names))} on line {inner.lineno}")
    return found


def _routes() -> list[tuple[str, ast.FunctionDef]]:
    out = []
    for package in CONVERTED:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            out += [(str(path.relative_to(ROOT)), node) for node in ast.walk(tree)
                    if isinstance(node, ast.FunctionDef) and _is_route(node)]
    return out


def test_there_are_routes_to_check() -> None:
    assert len(_routes()) > 20


@pytest.mark.parametrize("package", CONVERTED)
def test_route_functions_leave_the_transaction_to_the_unit_of_work(package: str) -> None:
    offenders = [f"{path}:{node.lineno} {node.name}: {problem}"
                 for path, node in _routes() if path.startswith(package + "/")
                 for problem in _problems(node)]
    assert offenders == []
