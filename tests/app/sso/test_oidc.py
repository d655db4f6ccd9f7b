"""Sign-in through a real OpenID provider: an existing person, a just-in-time account with a
mapped role, and the refusals (replayed callback, wrong audience, expired token, wrong nonce)."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.models import Company, User
from app.sso import oidc
from app.sso.models import SsoConfig
from tests.app.sso.conftest import sign_in_at_provider


def test_existing_person_signs_in(client: FlaskClient, provider: str, sso_company: tuple[Company, User]) -> None:
    _path, answer = sign_in_at_provider(client, provider, "admin-1", {"email": "IT@initech.test"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[-1500:]
    assert answer.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200


def test_just_in_time_account_with_mapped_role(client: FlaskClient, provider: str,
                                               sso_company: tuple[Company, User]) -> None:
    _path, answer = sign_in_at_provider(client, provider, "new-1", {
        "email": "newbie@initech.test", "name": "New Bie", "groups": ["hr-admins"]})
    assert answer.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "newbie@initech.test")).one()
    assert user.name == "New Bie" and user.access_roles == ["admin", "employee"]


def test_no_jit_refuses_unknown_people(client: FlaskClient, provider: str, sso_company: tuple[Company, User]) -> None:
    db.session.get(SsoConfig, sso_company[0].id).jit = False  # type: ignore[union-attr]
    db.session.commit()
    _path, answer = sign_in_at_provider(client, provider, "stranger", {"email": "who@initech.test"})
    assert answer.status_code == 403 and "no Trellis account" in answer.get_data(as_text=True)
    assert db.session.scalar(select(User.id).where(User.email == "who@initech.test")) is None


def test_replayed_callback_is_refused(client: FlaskClient, provider: str, sso_company: tuple[Company, User]) -> None:
    path, first = sign_in_at_provider(client, provider, "admin-1", {"email": "it@initech.test"})
    assert first.status_code == 302
    client.post("/logout")
    assert client.get(path).status_code == 400


def test_secret_is_stored_encrypted(sso_company: tuple[Company, User]) -> None:
    stored = db.session.get(SsoConfig, sso_company[0].id)
    assert stored is not None and "s3cret-value" not in stored.client_secret_encrypted


def _token_from_provider(client: FlaskClient, provider: str) -> tuple[str, dict[str, object]]:
    """A real ID token of the provider, obtained outside Trellis for the validation tests."""
    import requests

    document = oidc.discover(provider)
    start = client.get("/sso/initech/login")
    nonce = dict(p.split("=", 1) for p in start.headers["Location"].split("?", 1)[1].split("&"))["nonce"]
    answer = requests.post(start.headers["Location"], data={"sub": "admin-1"}, allow_redirects=False, timeout=10)
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    token = requests.post(document["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/sso/initech/callback",
        "client_id": "trellis-test", "client_secret": "s3cret-value", "code_verifier": "x" * 64}, timeout=10)
    return token.json().get("id_token", ""), document | {"nonce": nonce}


@pytest.mark.parametrize("case", ["audience", "expired", "nonce"])
def test_id_token_checks(client: FlaskClient, provider: str, sso_company: tuple[Company, User], case: str) -> None:
    raw, document = _token_from_provider(client, provider)
    if not raw:
        pytest.fail("the provider gave no ID token")
    nonce = str(document["nonce"])
    client_id = "someone-else" if case == "audience" else "trellis-test"
    now = time.time() + 3 * 3600 if case == "expired" else None
    with pytest.raises(ValidationError, match={"audience": "another application", "expired": "expired",
                                               "nonce": "nonce"}[case]):
        oidc.validate_id_token(raw, document, client_id, "wrong" if case == "nonce" else nonce, now=now)
