"""Pathway lifecycle: archiving hides a pathway from browsing, recommendations and new
enrolments while people already on it carry on; steps someone completed keep their place."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import Conflict, ValidationError
from app.extensions import db
from pathways.learning import builder, enrolments, recommend
from pathways.learning.builder import StepData
from pathways.learning.models import StepCompletion
from tests.pathways.conftest import admin_of


@pytest.fixture
def story(make_company, make_user, make_capability, make_role, assign, make_pathway):  # noqa: F811
    """Ada (Engineer: Testing 3, she has nothing) is on "Testing journey" (three readings on
    Testing 1, 2, 3); Bob is not."""
    acme = make_company(name="Acme")
    admin = make_user(acme, name="Hana", roles=("admin", "employee"))
    testing = make_capability(acme, "Testing")
    engineer = make_role(acme, "Engineer", {testing: 3})
    ada, bob = make_user(acme, name="Ada"), make_user(acme, name="Bob")
    assign(ada, engineer)
    assign(bob, engineer)
    path = make_pathway(acme, "Testing journey", [
        StepData("reading", f"Read {n}", url=f"https://r{n}.test", capability_id=testing.id,
                 to_level=n) for n in (1, 2, 3)])
    enrolment = enrolments.enrol_self(ada, path)
    enrolments.complete_step(ada, enrolment, path.steps[0], "read it")
    db.session.commit()
    assert admin_of(acme).id == admin.id
    return dict(acme=acme, admin=admin, ada=ada, bob=bob, path=path,
                enrolment=enrolment)


def titles(recs):
    return [c.title for c in recs.of_kind("pathway")]


def test_archiving_hides_the_pathway_but_enrolments_carry_on(client, auth, story):
    path, ada, bob = story["path"], story["ada"], story["bob"]
    assert titles(recommend.recommend(bob)) == ["Testing journey"]
    builder.archive(story["admin"], path)
    db.session.commit()
    assert path.archived and path.archived_at is not None
    assert titles(recommend.recommend(bob)) == []
    with pytest.raises(ValidationError, match="archived"):
        enrolments.enrol_self(bob, path)
    with pytest.raises(ValidationError, match="archived"):
        enrolments.assign(story["admin"], path, [bob])

    auth.login(bob)
    assert "Testing journey" not in client.get("/pathways").get_data(as_text=True)
    assert client.get(f"/pathways/{path.id}").status_code == 404
    auth.logout()
    auth.login(ada)
    page = client.get(f"/pathways/{path.id}")
    assert page.status_code == 200 and "archived" in page.get_data(as_text=True)
    step = path.steps[1]
    response = client.post(f"/me/learning/{story['enrolment'].id}/steps/{step.id}/done",
                           data={f"s{step.id}-note": "done"})
    assert response.status_code == 302
    assert db.session.scalar(select(StepCompletion.id).where(
        StepCompletion.step_id == step.id)) is not None


def test_archived_pathways_leave_the_api_list_but_stay_readable_to_the_enrolled(
        api_as, story):
    builder.archive(story["admin"], story["path"])
    db.session.commit()
    bob, ada = api_as(story["bob"]), api_as(story["ada"])
    assert bob.get("/api/v1/pathways").get_json()["items"] == []
    assert bob.get(f"/api/v1/pathways/{story['path'].id}").status_code == 404
    body = ada.get(f"/api/v1/pathways/{story['path'].id}").get_json()
    assert body["status"] == "archived"


def test_restore_publishes_again(story):
    path = story["path"]
    builder.archive(story["admin"], path)
    with pytest.raises(ValidationError, match="restore"):
        builder.publish(story["admin"], path)
    builder.restore(story["admin"], path)
    assert path.status == "published" and path.archived_at is None
    with pytest.raises(Conflict):
        builder.restore(story["admin"], path)


def test_the_builder_archives_and_restores(client, auth, story):
    path = story["path"]
    auth.login(story["admin"])
    response = client.post(f"/admin/pathways/{path.id}/archive")
    assert response.status_code == 302
    page = client.get(f"/admin/pathways/{path.id}").get_data(as_text=True)
    assert "Archived" in page and "Restore" in page
    client.post(f"/admin/pathways/{path.id}/archive")
    db.session.expire_all()
    assert path.status == "published"


def test_completed_steps_keep_their_place(client, auth, story):
    path, admin = story["path"], story["admin"]
    first, second, third = sorted(path.steps, key=lambda s: s.position)
    with pytest.raises(Conflict, match="'Read 1'"):
        builder.move_step(admin, path, second, -1)
    with pytest.raises(Conflict, match="keep their place"):
        builder.move_step(admin, path, first, +1)
    builder.move_step(admin, path, third, -1)  # nobody completed 2 or 3: allowed
    db.session.commit()
    assert [s.title for s in sorted(path.steps, key=lambda s: s.position)] == [
        "Read 1", "Read 3", "Read 2"]

    auth.login(admin)
    response = client.post(f"/admin/pathways/{path.id}/steps/{first.id}/move",
                           data={"direction": "down"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "keep their place" in page and "Completed by someone" in page
