"""One e-mail address may belong to people in several companies (unique per company): sign-in
asks which company only after the password was right, and only among the companies where it
was; unknown addresses cost the same as known ones; password reset answers the same either way."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from app.auth import service
from app.extensions import db
from app.models import OutboxMessage

from ..conftest import PASSWORD

ADDRESS = "sam@consult.test"


@pytest.fixture
def sam(make_company, make_user):
    """Sam consults for Acme and Globex with one address, and works for Initech too (there with
    another password)."""
    acme, globex, initech = (make_company(name=n, slug=n.lower())
                             for n in ("Acme", "Globex", "Initech"))
    return {
        "acme": make_user(acme, email=ADDRESS, name="Sam at Acme"),
        "globex": make_user(globex, email=ADDRESS, name="Sam at Globex"),
        "initech": make_user(initech, email=ADDRESS, name="Sam at Initech",
                             password="another-long-passphrase"),
    }


def _sign_in(client, password=PASSWORD, email=ADDRESS, **query):
    return client.post("/login", query_string=query, data={"email": email, "password": password})


def test_the_right_password_for_several_companies_asks_which(client, sam):
    response = _sign_in(client, next="/account/tokens")
    assert response.status_code == 302 and response.headers["Location"] == "/login/company"
    page = client.get("/login/company").get_data(as_text=True)
    assert "Acme" in page and "Globex" in page
    assert "Initech" not in page  # the password given is not Sam's password there
    assert client.get("/home").status_code == 302  # not signed in yet
    chosen = client.post("/login/company", data={"account": sam["globex"].id})
    assert chosen.headers["Location"] == "/account/tokens"
    assert "Sam at Globex" in client.get("/home").get_data(as_text=True)


def test_a_password_right_for_one_company_signs_straight_in(client, sam):
    response = _sign_in(client, password="another-long-passphrase")
    assert response.headers["Location"] == "/home"
    assert "Sam at Initech" in client.get("/home").get_data(as_text=True)


def test_a_wrong_password_reveals_no_company(client, sam):
    response = _sign_in(client, password="not-the-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "E-mail or password is wrong" in page
    assert not any(name in page for name in ("Acme", "Globex", "Initech"))
    assert client.get("/login/company").headers["Location"] == "/login"


def test_the_choice_is_limited_to_the_accounts_that_matched(client, sam, make_user):
    _sign_in(client)
    refused = client.post("/login/company", data={"account": sam["initech"].id})
    assert refused.status_code == 400
    assert client.get("/home").status_code == 302


def test_a_choice_dies_when_the_password_changes_meanwhile(client, sam):
    _sign_in(client)
    service.set_password(sam["acme"], "a-brand-new-passphrase")
    db.session.commit()
    response = client.post("/login/company", data={"account": sam["acme"].id})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/home").status_code == 302


def test_a_choice_expires(client, sam, monkeypatch):
    _sign_in(client)
    later = time.time() + service.CHOICE_MAX_AGE + 1
    monkeypatch.setattr(service.time, "time", lambda: later)
    response = client.post("/login/company", data={"account": sam["acme"].id})
    assert response.headers["Location"] == "/login"
    assert client.get("/home").status_code == 302


@pytest.fixture
def hash_checks(monkeypatch):
    """The password hashes each sign-in verified (the slow part of a sign-in)."""
    from app import identity

    checked: list[str] = []
    real = identity.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(identity, "check_password_hash", counting)
    return checked


def test_every_address_costs_one_hash_per_account(client, make_company, make_user, hash_checks):
    acme = make_company()
    ada = make_user(acme, email="ada@acme.test")
    make_user(acme, email="invited@acme.test", password=None)
    make_user(acme, email="left@acme.test", status="left")
    for email in ("ada@acme.test", "nobody@acme.test", "invited@acme.test", "left@acme.test"):
        hash_checks.clear()
        _sign_in(client, email=email, password="wrong-password")
        assert len(hash_checks) == 1, email
    assert hash_checks[0] != ada.password_hash  # a dummy hash, for the one who left
    hash_checks.clear()
    _sign_in(client, email="ada@acme.test")
    assert hash_checks == [ada.password_hash]


def test_unknown_and_known_addresses_take_the_same_time(client, make_company, make_user):
    make_user(make_company(), email="ada@acme.test")
    _sign_in(client, email="warm-up@acme.test", password="wrong")  # the dummy hash is made once

    def median(email: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            _sign_in(client, email=email, password="wrong-password")
            times.append(time.perf_counter() - start)
        return sorted(times)[2]

    known, unknown = median("ada@acme.test"), median("nobody@acme.test")
    assert 0.5 < unknown / known < 2, (known, unknown)  # was 9 ms against 167 ms


def test_password_reset_answers_the_same_and_mails_each_company_account(client, sam):
    known = client.post("/forgot-password", data={"email": ADDRESS}, follow_redirects=True)
    unknown = client.post("/forgot-password", data={"email": "nobody@consult.test"},
                          follow_redirects=True)
    assert _flashes(known) == _flashes(unknown) == [
        "If that address has an account, a reset link is on its way."]
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.to for m in mails] == [ADDRESS] * 3
    assert sorted(re.search(r"at (\w+) on Trellis", m.body).group(1) for m in mails) == [
        "Acme", "Globex", "Initech"]
    globex_mail = next(m for m in mails if "Globex" in m.body)
    link = re.search(r"http://localhost(/reset-password/\S+)", globex_mail.body).group(1)
    client.post(link, data={"password": "a-brand-new-passphrase",
                            "confirm": "a-brand-new-passphrase"})
    db.session.expire_all()
    assert service.matching_accounts(ADDRESS, "a-brand-new-passphrase") == [sam["globex"]]
    assert {u.name for u in service.matching_accounts(ADDRESS, PASSWORD)} == {"Sam at Acme"}


def _flashes(response) -> list[str]:
    return re.findall(r'<li class="flash[^"]*"[^>]*>(.*?)</li>', response.get_data(as_text=True))
