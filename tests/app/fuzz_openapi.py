"""schemathesis over our own OpenAPI document: no input makes the API answer 5xx, and every answer
matches what the document promises (status, content type, headers, body schema).

NOT YET PART OF THE SUITE (the file name keeps pytest from collecting it): it still finds schema-valid
requests the services refuse with 400 (issue 13). Run it by path while fixing them:

    TRELLIS_FUZZ_ONLY=/api/v1/teams TRELLIS_FUZZ_DETAIL=3000 .venv/bin/pytest tests/app/fuzz_openapi.py -k sqlite

When it passes on both databases, rename it to test_openapi_fuzz.py.

It runs in-process (WSGI) against the demo world on SQLite and PostgreSQL, as an admin and as an
employee, with a bounded number of examples per operation so the suite stays quick, and then
statefully along the document's links (create → read → act) through the same checks.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from app.extensions import db

EXAMPLES = int(os.environ.get("TRELLIS_FUZZ_EXAMPLES", "10"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck), print_blob=False)
ONLY = os.environ.get("TRELLIS_FUZZ_ONLY", "")  # fuzz only operations whose label contains this
ROLES = {"admin": "hr@acme.test", "employee": "employee@acme.test"}


@pytest.fixture(params=sorted(ROLES))
def token(request: pytest.FixtureRequest, demo_world: Any) -> str:
    """A personal API token of the demo admin or employee."""
    from app.auth import service

    _token, secret = service.create_token(demo_world.people[ROLES[request.param]], "fuzz")
    db.session.commit()
    return secret


def _describe(exc: BaseException) -> str:
    """schemathesis's failure text and how to reproduce it, without the traceback noise, bounded."""
    parts = [exc.message] if isinstance(exc, BaseExceptionGroup) else [str(exc)]
    parts += [note for note in getattr(exc, "__notes__", []) if "curl" in note or "Falsifying" in note]
    return "\n".join(parts)[:int(os.environ.get("TRELLIS_FUZZ_DETAIL", "600"))]


def _run(operation: Any, headers: dict[str, str]) -> str | None:
    """Fuzz one operation; the first failure schemathesis found, as text, or None."""
    @given(case=operation.as_strategy())
    @FUZZ
    def check(case: Any) -> None:
        db.session.remove()  # each call starts from a clean session, as a request does
        case.call_and_validate(headers=headers)

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, reported at the end
        return f"{operation.label}: {_describe(exc)}"
    return None


def test_every_operation_answers_as_documented(app: Flask, token: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if ONLY not in operation.label:
            continue
        failure = _run(operation, headers)
        if failure:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)


def test_stateful_links_hold(app: Flask, token: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    machine = schema.as_state_machine()
    headers = {"Authorization": f"Bearer {token}"}

    class Fuzz(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

    Fuzz.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=6, deadline=None,
                               derandomize=True, database=None,
                               suppress_health_check=list(HealthCheck)))
