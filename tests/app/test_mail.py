"""E-mail through a real SMTP server: invitations and password resets work end to end."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import OutboxMessage, User

from ..conftest import PASSWORD


@pytest.fixture
def app_config(smtp_config: dict[str, object]) -> dict[str, object]:
    return smtp_config  # this module's app sends real mail to the `smtp` server


def test_invited_person_sets_a_password_from_the_emailed_link(app, smtp, make_company,
                                                              make_user):
    acme = make_company(name="Acme")
    admin = make_user(acme, roles=("admin",), name="Harriet")
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    client.post("/people/new", data={"name": "Grace Hopper", "email": "grace@acme.test",
                                     "access_roles": ["employee"]})
    [invite] = smtp.inbox.to("grace@acme.test")
    assert invite["Subject"] == "Harriet invited you to Trellis"
    link = smtp.inbox.link(invite)
    client.post("/logout")
    newcomer = app.test_client()
    response = newcomer.post(link, data={"password": "grace-new-password",
                                         "confirm": "grace-new-password"})
    assert response.status_code == 302 and newcomer.get("/home").status_code == 200
    # The link dies once used.
    assert app.test_client().get(link).status_code == 400
    outbox = db.session.query(OutboxMessage).filter_by(to="grace@acme.test").one()
    assert outbox.status == "sent" and outbox.body is None  # bodies are not kept with SMTP


def test_password_reset_by_email(app, smtp, make_company, make_user):
    ada = make_user(make_company())
    client = app.test_client()
    response = client.post("/forgot-password", data={"email": ada.email})
    assert response.status_code == 302
    [reset] = smtp.inbox.to(ada.email)
    link = smtp.inbox.link(reset)
    assert "/reset-password/" in link
    client.post(link, data={"password": "reset-to-this-one", "confirm": "reset-to-this-one"})
    assert client.post("/login", data={"email": ada.email,
                                       "password": "reset-to-this-one"}).status_code == 302
    assert app.test_client().get(link).status_code == 400  # single use


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(app, smtp):
    response = app.test_client().post("/forgot-password", data={"email": "nobody@x.test"},
                                           follow_redirects=True)
    assert "If that address has an account" in response.get_data(as_text=True)
    assert smtp.inbox.messages == []


def test_expired_reset_link_is_refused(app, smtp, make_company, make_user):
    ada = make_user(make_company())
    app.test_client().post("/forgot-password", data={"email": ada.email})
    link = smtp.inbox.link(smtp.inbox.to(ada.email)[0])
    app.config["RESET_MAX_AGE_HOURS"] = -1
    response = app.test_client().get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True).lower()


def test_mail_is_not_sent_when_the_transaction_rolls_back(app, smtp, make_company,
                                                          make_user):
    from app.mail import queue_email

    ada: User = make_user(make_company())
    queue_email(ada.email, "Never", "This transaction is rolled back.")
    db.session.rollback()
    assert smtp.inbox.messages == []


def test_without_smtp_mail_goes_to_the_outbox(app, client, auth, make_company, make_user):
    app.config["SMTP_HOST"] = None
    acme = make_company()
    admin = make_user(acme, roles=("admin",))
    auth.login(admin)
    client.post("/people/new", data={"name": "Linus", "email": "linus@acme.test",
                                     "access_roles": ["employee"]})
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "linus@acme.test" in page and "/invite/" in page


def test_the_worker_knows_every_task():
    from app import worker

    registered = set(worker.huey._registry._registry)
    assert "app.mail.deliver_email" in registered
