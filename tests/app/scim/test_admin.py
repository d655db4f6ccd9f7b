"""The SCIM admin page and CLI: admins create and revoke tokens (shown once, stored hashed);
other roles and other companies cannot."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Company, User
from app.scim.models import ScimToken


def test_admin_creates_and_revokes_a_token(client: FlaskClient, auth, scim_company: tuple[Company, User]) -> None:  # type: ignore[no-untyped-def]
    auth.login(scim_company[1])
    page = client.post("/admin/scim", data={"name": "Entra ID"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/scim/v2" in html
    token = db.session.scalars(select(ScimToken)).one()
    secret = html.split('<code class="secret">')[2].split("</code>")[0]
    assert secret.startswith("scim_") and token.token_hash != secret and secret not in token.token_hash
    assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in client.get("/admin/scim").get_data(as_text=True)  # shown once
    assert client.post(f"/admin/scim/{token.id}/revoke").status_code == 302
    assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_only_admins_of_the_company(client: FlaskClient, auth, scim_company: tuple[Company, User],  # type: ignore[no-untyped-def]
                                    make_user: Callable[..., User], make_company: Callable[..., Company],
                                    scim_token: str) -> None:
    auth.login(make_user(scim_company[0], roles=("employee",)))
    assert client.get("/admin/scim").status_code == 403
    auth.logout()
    auth.login(make_user(make_company(), roles=("admin",)))
    token = db.session.scalars(select(ScimToken)).one()
    assert client.post(f"/admin/scim/{token.id}/revoke").status_code == 404
    assert "No SCIM tokens yet" in client.get("/admin/scim").get_data(as_text=True)


def test_cli_prints_the_token_last(app: Flask, scim_company: tuple[Company, User]) -> None:
    result = app.test_cli_runner().invoke(args=["create-scim-token", "--company", "initech"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("scim_")
    assert app.test_client().get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    missing = app.test_cli_runner().invoke(args=["create-scim-token", "--company", "nope"])
    assert missing.exit_code != 0 and "nope" in missing.output
