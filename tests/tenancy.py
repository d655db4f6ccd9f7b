"""The reusable tenant-isolation check: another company's id is a 404 and changes nothing.

Each package lists its id-taking routes (HTML and API) in its own `test_tenancy.py` and calls
`assert_foreign_404` with a client signed in as another company's admin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .conftest import db_fingerprint


@dataclass(frozen=True)
class Route:
    """One route to probe; `url` holds the foreign object's id already filled in."""

    method: str
    url: str
    form: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


def assert_foreign_404(client: Any, routes: list[Route],
                       fingerprint: Callable[[], str] = db_fingerprint) -> None:
    """Every route answers 404 to `client` (the other tenant) and the database is unchanged."""
    failures = []
    for route in routes:
        before = fingerprint()
        kwargs: dict[str, Any] = {"headers": route.headers}
        if route.form is not None:
            kwargs["data"] = route.form
        if route.json is not None:
            kwargs["json"] = route.json
        response = getattr(client, route.method.lower())(route.url, **kwargs)
        if response.status_code != 404:
            failures.append(f"{route}: {response.status_code} instead of 404")
        elif route.url.startswith("/api/") and response.get_json().get("error", {}).get(
                "code") != "not_found":
            failures.append(f"{route}: API 404 without a JSON error body")
        if fingerprint() != before:
            failures.append(f"{route}: the database changed")
    assert not failures, "Tenant isolation broken:\n" + "\n".join(failures)
