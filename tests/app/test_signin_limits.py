"""Sign-in limits, in the database and (with REDIS_URL) in Redis: the tenth wrong password in a
row locks the address, each further one doubles the lock, one client may fail 30 times in ten
minutes, the owner hears of the first lock, and a reset lifts it. Across gunicorn workers:
test_signin_limits_http.py."""

from __future__ import annotations

import os
import re
import time
import uuid

import pytest
from sqlalchemy import select

from app.auth import throttle
from app.extensions import db
from app.models import OutboxMessage, SignInCounter

from ..conftest import PASSWORD

STORES = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])
LOCKED = "Too many failed sign-ins for this address. Try again in {}, or reset your password."


@pytest.fixture(params=STORES)
def limited(request, app, make_app):
    """An app with the limits on, counting in the database or in Redis (keys of its own)."""
    config = {"RATELIMIT_ENABLED": True}
    if request.param == "redis":
        config |= {"SIGNIN_THROTTLE_STORAGE": os.environ["REDIS_URL"],
                   "SIGNIN_THROTTLE_PREFIX": f"trellis-test-{uuid.uuid4().hex}:"}
    app = make_app(**config)
    with app.app_context():
        yield app


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, moved by the test: `clock.move(seconds)`."""

    class Clock:
        at = time.time()

        def move(self, seconds: float) -> None:
            self.at += seconds

    fake = Clock()
    monkeypatch.setattr(throttle, "now", lambda: fake.at)
    return fake


def attempt(client, email, password="wrong-password", ip="192.0.2.1"):
    response = client.post("/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": ip})
    errors = re.findall(r'<ul class="errors"[^>]*>\s*<li>(.*?)</li>', response.get_data(as_text=True))
    return response.status_code, (errors or [""])[0], response.headers.get("Retry-After")


def test_the_tenth_wrong_password_locks_the_address(limited, clock, make_company, make_user):
    ada = make_user(make_company())
    client = limited.test_client()
    assert [attempt(client, ada.email)[0] for _ in range(10)] == [200] * 10
    assert attempt(client, ada.email) == (429, LOCKED.format("1 minute"), "60")
    assert attempt(client, ada.email, PASSWORD)[0] == 429  # not even the right password
    clock.move(61)
    assert attempt(client, ada.email, PASSWORD)[0] == 302


def test_each_failure_after_a_lock_doubles_it(limited, clock, make_company, make_user):
    ada = make_user(make_company())
    client = limited.test_client()
    for _ in range(10):
        attempt(client, ada.email)
    for lock in (120, 240, 480):
        clock.move(lock / 2 + 1)  # the previous lock is over
        assert attempt(client, ada.email)[0] == 200
        assert attempt(client, ada.email)[2] == str(lock)
    assert throttle.lock_seconds(40) == 3600  # capped at SIGNIN_LOCK_MAX_SECONDS


def test_an_unknown_address_is_limited_the_same_way(limited, clock, make_company, make_user):
    ada = make_user(make_company())
    client = limited.test_client()
    known = [attempt(client, ada.email) for _ in range(12)]
    unknown = [attempt(client, "nobody@nowhere.test", ip="192.0.2.2") for _ in range(12)]
    assert known == unknown  # a lock says nothing about whether the address exists


def test_a_right_password_ends_the_streak(limited, clock, make_company, make_user):
    ada = make_user(make_company())
    client = limited.test_client()
    for _ in range(9):
        attempt(client, ada.email)
    assert attempt(client, ada.email, PASSWORD)[0] == 302
    client.post("/logout")
    assert [attempt(client, ada.email)[0] for _ in range(11)] == [200] * 10 + [429]


def test_one_client_may_fail_thirty_times_in_ten_minutes(limited, clock):
    client = limited.test_client()
    codes = [attempt(client, f"guess{i}@acme.test")[0] for i in range(30)]
    assert codes == [200] * 30
    assert attempt(client, "guess31@acme.test")[:2] == (
        429, "Too many attempts from your network. Try again in 10 minutes.")
    assert attempt(client, "guess31@acme.test", ip="192.0.2.99")[0] == 200  # another client
    clock.move(601)
    assert attempt(client, "guess32@acme.test")[0] == 200


def test_the_first_lock_mails_each_owner_once(limited, clock, make_company, make_user):
    sam_acme = make_user(make_company(name="Acme"), email="sam@consult.test")
    make_user(make_company(name="Globex"), email="sam@consult.test")
    client = limited.test_client()
    for _ in range(10):
        attempt(client, "sam@consult.test")
    for _ in range(10):
        attempt(client, "nobody@consult.test", ip="192.0.2.3")  # locked too, but nobody to tell
    clock.move(61)
    attempt(client, "sam@consult.test")  # a longer lock, no second mail
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.to, m.status) for m in mails] == [("sam@consult.test", "logged")] * 2
    assert {m.company_id for m in mails} == {sam_acme.company_id, sam_acme.company_id + 1}
    assert "10 times in a row with a wrong password" in mails[0].body
    assert "at Acme" in mails[0].body and "/forgot-password" in mails[0].body


def test_a_password_reset_lifts_the_lock(limited, clock, make_company, make_user):
    ada = make_user(make_company())
    client = limited.test_client()
    for _ in range(10):
        attempt(client, ada.email)
    client.post("/forgot-password", data={"email": ada.email})
    body = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body
    link = re.search(r"http://localhost(/reset-password/\S+)", body).group(1)
    client.post(link, data={"password": "a-brand-new-passphrase",
                            "confirm": "a-brand-new-passphrase"})
    assert attempt(client, ada.email, "a-brand-new-passphrase")[0] == 302


def test_reset_requests_are_limited_per_client(limited, clock):
    client = limited.test_client()
    codes = [client.post("/forgot-password", data={"email": f"x{i}@acme.test"}).status_code
             for i in range(6)]
    assert codes == [302] * 5 + [429]
    clock.move(61)
    assert client.post("/forgot-password", data={"email": "x@acme.test"}).status_code == 302


def test_limits_can_be_switched_off(client, make_company, make_user):
    ada = make_user(make_company())  # the test app has RATELIMIT_ENABLED off
    assert {attempt(client, ada.email)[0] for _ in range(15)} == {200}


def test_the_database_keeps_no_address_and_forgets_old_counters(make_app, clock, make_company,
                                                                make_user):
    app = make_app(RATELIMIT_ENABLED=True, SIGNIN_THROTTLE_STORAGE="database")
    with app.app_context():
        ada = make_user(make_company())
        client = app.test_client()
        for _ in range(3):
            attempt(client, ada.email)
        keys = db.session.scalars(select(SignInCounter.key)).all()
        assert len(keys) == 2 and not any("@" in k or ada.email in k for k in keys)
        db.session.rollback()  # the task runs in a session of its own: end this one's read
        assert throttle.forget_expired_counters.call_local() == 0  # still live
        clock.move(86_401)
        assert throttle.forget_expired_counters.call_local() == 2
        assert db.session.scalars(select(SignInCounter.key)).all() == []


def test_behind_trusted_proxies_each_forwarded_client_counts_alone(make_app, clock):
    def spray(app, forwarded_for):  # 31 guesses through the proxy at 10.0.0.1
        with app.app_context():
            client = app.test_client()
            return [client.post("/login", data={"email": f"guess{n}@acme.test", "password": "x"},
                                headers={"X-Forwarded-For": forwarded_for},
                                environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
                    for n in range(31)]

    direct = make_app(RATELIMIT_ENABLED=True)  # no proxy trusted: the header is the client's word
    assert spray(direct, "198.51.100.1") == [200] * 30 + [429]
    assert spray(direct, "198.51.100.2") == [429] * 31  # a forged header buys no new guesses
    proxied = make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
    assert spray(proxied, "198.51.100.3") == [200] * 30 + [429]
    assert spray(proxied, "198.51.100.4") == [200] * 30 + [429]  # another client behind it
