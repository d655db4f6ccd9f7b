"""When the company asks managers to verify completed steps, the line manager gets an e-mail
after the commit (through the outbox and a real SMTP server) with a link to verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from pathways.learning import completing, enrolments
from pathways.learning.builder import StepData
from pathways.learning.models import StepCompletion
from tests.pathways.conftest import admin_of


@pytest.fixture
def app_config(smtp_config: dict[str, object]) -> dict[str, object]:
    return smtp_config  # this module's app sends real mail to the `smtp` server


@pytest.fixture
def story(make_company, make_user, make_capability, make_pathway):  # noqa: F811
    acme = make_company(name="Acme")
    morgan = make_user(acme, name="Morgan", email="morgan@acme.test",
                       roles=("manager", "employee"))
    ada = make_user(acme, name="Ada", email="ada@acme.test", manager=morgan)
    testing = make_capability(acme, "Testing")
    path = make_pathway(acme, "Testing journey", [StepData(
        "practice", "Write the test plan", capability_id=testing.id, to_level=3)])
    completing.set_verification(admin_of(acme), True)
    enrolment = enrolments.enrol_self(ada, path)
    db.session.commit()
    return dict(morgan=morgan, ada=ada, path=path, enrolment=enrolment)


def test_a_pending_completion_mails_the_manager_a_link_that_verifies(app, smtp, story):
    ada, morgan, enrolment = story["ada"], story["morgan"], story["enrolment"]
    step = story["path"].steps[0]
    client = app.test_client()
    client.post("/login", data={"email": ada.email, "password": "correct-horse-battery"})
    response = client.post(f"/me/learning/{enrolment.id}/steps/{step.id}/done",
                           data={f"s{step.id}-note": "Plan reviewed by QA"})
    assert response.status_code == 302
    [message] = smtp.inbox.to("morgan@acme.test")
    assert message["Subject"] == 'Please verify: Ada completed "Write the test plan"'
    body = smtp.inbox.body(message)
    assert "Plan reviewed by QA" in body and "Testing journey" in body
    link = smtp.inbox.link(message)
    assert link == f"/me/learning/{enrolment.id}#step-{step.id}"
    assert smtp.inbox.to("ada@acme.test") == []

    manager = app.test_client()
    manager.post("/login", data={"email": morgan.email, "password": "correct-horse-battery"})
    page = manager.get(link.split("#")[0]).get_data(as_text=True)
    completion = db.session.scalar(select(StepCompletion))
    assert f"/learning/completions/{completion.id}/verify" in page
    response = manager.post(f"/learning/completions/{completion.id}/verify",
                            data={"next": link})
    assert response.status_code == 302 and response.headers["Location"] == link
    db.session.expire_all()
    assert db.session.get(StepCompletion, completion.id).status == "done"


def test_no_mail_when_the_completion_rolls_back(app, smtp, story):
    step = story["path"].steps[0]
    enrolments.complete_step(story["ada"], story["enrolment"], step, "note")
    db.session.rollback()
    assert smtp.inbox.messages == []
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_no_mail_without_verification_or_when_the_manager_marks_it(app, smtp, story):
    step = story["path"].steps[0]
    enrolments.complete_step(story["morgan"], story["enrolment"], step, "seen it done")
    db.session.commit()
    assert smtp.inbox.messages == []
    assert db.session.scalar(select(StepCompletion.status)) == "done"


def test_the_verify_redirect_stays_on_this_site(app, story):
    step = story["path"].steps[0]
    done = enrolments.complete_step(story["ada"], story["enrolment"], step, "x")
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "morgan@acme.test", "password": "correct-horse-battery"})
    response = client.post(f"/learning/completions/{done.id}/verify",
                           data={"next": "//evil.test/phish"})
    assert response.headers["Location"] == "/me/learning"
