"""The SSO admin page, the configure-sso CLI, and "require SSO except the break-glass admin"."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Company, User
from app.sso.models import SsoConfig


def test_admin_saves_the_provider_encrypted(client: FlaskClient, auth, provider: str,  # type: ignore[no-untyped-def]
                                            make_company: Callable[..., Company],
                                            make_user: Callable[..., User]) -> None:
    company = make_company(slug="initech")
    auth.login(make_user(company, roles=("admin",)))
    assert client.get("/admin/sso").status_code == 200
    bad = client.post("/admin/sso", data={"issuer": provider, "client_id": "c", "client_secret": "x",
                                          "role_map": "admins => boss"})
    assert bad.status_code == 200 and db.session.get(SsoConfig, company.id) is None
    saved = client.post("/admin/sso", data={"issuer": provider, "client_id": "c", "client_secret": "very-secret",
                                            "email_claim": "email", "role_map": "hr = admin", "jit": "y"})
    assert saved.status_code == 302
    config = db.session.get(SsoConfig, company.id)
    assert config is not None and config.role_map == {"hr": "admin"} and config.jit
    page = client.get("/admin/sso").get_data(as_text=True)
    assert "very-secret" not in page and "very-secret" not in config.client_secret_encrypted


def test_only_admins(client: FlaskClient, auth, make_company: Callable[..., Company],  # type: ignore[no-untyped-def]
                     make_user: Callable[..., User]) -> None:
    auth.login(make_user(make_company(), roles=("employee",)))
    assert client.get("/admin/sso").status_code == 403


def test_unknown_company_has_no_sso(client: FlaskClient, make_company: Callable[..., Company]) -> None:
    make_company(slug="plain")
    assert client.get("/sso/plain/login").status_code == 404
    assert client.get("/sso/nobody/callback").status_code == 404


def test_require_sso_keeps_only_the_break_glass_admin_on_passwords(
        client: FlaskClient, auth, sso_company: tuple[Company, User],  # type: ignore[no-untyped-def]
        make_user: Callable[..., User]) -> None:
    company, admin = sso_company
    config = db.session.get(SsoConfig, company.id)
    assert config is not None
    config.require_sso, config.break_glass_user_id = True, admin.id
    db.session.commit()
    worker = make_user(company)
    refused = auth.login(worker)
    assert refused.headers["Location"] == "/login"
    assert client.get("/home").status_code in (302, 401)
    assert auth.login(admin).headers["Location"] == "/home"


def test_cli_configures_sso(app: Flask, provider: str, make_company: Callable[..., Company],
                            make_user: Callable[..., User]) -> None:
    company = make_company(slug="acme2")
    make_user(company, roles=("admin",))
    result = app.test_cli_runner().invoke(args=[
        "configure-sso", "--company", "acme2", "--oidc-issuer", provider, "--client-id", "cid",
        "--client-secret", "shh", "--jit"])
    assert result.exit_code == 0, result.output
    assert "/sso/acme2/login" in result.output and "shh" not in result.output
    config = db.session.get(SsoConfig, company.id)
    assert config is not None and config.jit and config.client_id == "cid"
    wrong = app.test_cli_runner().invoke(args=[
        "configure-sso", "--company", "acme2", "--oidc-issuer", "http://127.0.0.1:9", "--client-id", "c",
        "--client-secret", "s"])
    assert wrong.exit_code != 0 and "Could not read" in wrong.output
