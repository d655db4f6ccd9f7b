"""SSO fixtures: a real OpenID provider (oidc-provider-mock) on a free port, and a company
configured to sign in through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Company, User
from app.sso import service


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SSO_ENCRYPTION_KEY": Fernet.generate_key().decode()}


@pytest.fixture
def sso_company(app: Flask, provider: str, make_company: Callable[..., Company],
                make_user: Callable[..., User]) -> tuple[Company, User]:
    company = make_company(name="Initech", slug="initech")
    admin = make_user(company, email="it@initech.test", roles=("admin",))
    service.configure(admin, provider, "trellis-test", "s3cret-value", jit=True,
                      groups_claim="groups", role_map={"hr-admins": "admin"})
    db.session.commit()
    return company, admin


def sign_in_at_provider(client: FlaskClient, provider: str, sub: str, claims: dict[str, Any],
                        slug: str = "initech") -> tuple[str, Any]:
    """Start at /sso/<slug>/login, pick `sub` at the provider, return (callback path, its answer)."""
    requests.put(f"{provider}/users/{sub}", json=claims, timeout=10).raise_for_status()
    start = client.get(f"/sso/{slug}/login")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    answer = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    back = urlparse(answer.headers["Location"])
    assert parse_qs(back.query).get("code"), answer.headers["Location"]
    path = f"{back.path}?{back.query}"
    return path, client.get(path)
