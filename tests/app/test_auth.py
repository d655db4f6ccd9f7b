"""Signing in and out, sessions, CSRF and security headers (limits: test_signin_limits.py)."""

from __future__ import annotations

from app.extensions import db
from app.models import User

from ..conftest import PASSWORD


def test_sign_in_lands_on_home_and_names_the_person(client, auth, make_company, make_user):
    ada = make_user(make_company(name="Acme"), name="Ada Lovelace")
    response = auth.login(ada)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    page = client.get("/home").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Acme" in page


def test_wrong_password_shows_an_error_next_to_the_field(client, auth, make_company, make_user):
    ada = make_user(make_company())
    response = auth.login(ada, "not-the-password")
    assert response.status_code == 200
    assert "E-mail or password is wrong" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_email_is_matched_case_insensitively(client, auth, make_company, make_user):
    make_user(make_company(), email="ada@acme.test")
    assert auth.login("ADA@Acme.test").headers["Location"].endswith("/home")


def test_a_person_who_left_cannot_sign_in(client, auth, make_company, make_user):
    ada = make_user(make_company(), status="left")
    response = auth.login(ada)
    assert response.status_code == 200 and "wrong" in response.get_data(as_text=True)


def test_sign_out_revokes_a_copied_session_cookie(app, client, auth, make_company, make_user):
    ada = make_user(make_company())
    auth.login(ada)
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/home").status_code == 302  # back to sign-in


def test_password_change_signs_out_other_devices(app, client, auth, make_company, make_user):
    ada = make_user(make_company())
    laptop = app.test_client()
    laptop.post("/login", data={"email": ada.email, "password": PASSWORD})
    auth.login(ada)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200  # this device stays signed in
    assert laptop.get("/home").status_code == 302  # the other one is out
    assert app.test_client().post("/login", data={
        "email": ada.email, "password": "a-brand-new-passphrase"}).status_code == 302


def test_password_change_needs_the_current_password(client, auth, make_company, make_user):
    ada = make_user(make_company())
    auth.login(ada)
    response = client.post("/account/password", data={
        "current_password": "guess", "password": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase"})
    assert "That is not your current password." in response.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.session_version == 1


def test_sign_in_redirects_only_to_same_site_paths(client, make_company, make_user):
    ada = make_user(make_company())
    evil = client.post("/login?next=//evil.example/", data={"email": ada.email,
                                                            "password": PASSWORD})
    assert evil.headers["Location"].endswith("/home")
    client.post("/logout")
    good = client.post("/login?next=/account/tokens", data={"email": ada.email,
                                                            "password": PASSWORD})
    assert good.headers["Location"].endswith("/account/tokens")


def test_forms_reject_posts_without_csrf_token(make_app, make_company, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        ada = make_user(make_company())
        response = app.test_client().post("/login", data={"email": ada.email, "password": PASSWORD})
    assert response.status_code == 400


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_fresh_session_is_issued_at_sign_in(client, auth, make_company, make_user):
    ada = make_user(make_company())
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(ada)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_ids_carry_the_session_version(make_company, make_user):
    ada: User = make_user(make_company())
    assert ada.get_id() == f"{ada.id}:1"
