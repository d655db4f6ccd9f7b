"""Managers assign a published pathway to their direct reports (or the whole team) from the
team pathways page, with errors by the field, and see their reports' progress and overdue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from pathways.learning import builder, enrolments
from pathways.learning.builder import StepData
from pathways.learning.models import Enrolment
from tests.conftest import db_fingerprint
from tests.pathways.conftest import admin_of


@pytest.fixture
def team(make_company, make_user, make_pathway):  # noqa: F811
    """Morgan manages Ada and Bob; Cy reports to someone else; "Testing journey" is published,
    "Draft path" is not."""
    acme = make_company(name="Acme")
    morgan = make_user(acme, name="Morgan", roles=("manager", "employee"))
    ada = make_user(acme, name="Ada", manager=morgan)
    bob = make_user(acme, name="Bob", manager=morgan)
    cy = make_user(acme, name="Cy")
    path = make_pathway(acme, "Testing journey", [
        StepData("reading", "Read", url="https://r.test"),
        StepData("reading", "Read more", url="https://r2.test")])
    draft = make_pathway(acme, "Draft path", [StepData("reading", "R", url="https://r.test")],
                         publish=False)
    return dict(acme=acme, morgan=morgan, ada=ada, bob=bob, cy=cy, path=path, draft=draft)


def enrolled(path) -> dict[str, date | None]:
    return {e.user.name: e.due_date for e in db.session.scalars(
        select(Enrolment).where(Enrolment.pathway_id == path.id))}


def test_manager_assigns_chosen_reports_with_a_due_date(client, auth, team):
    auth.login(team["morgan"])
    due = date.today() + timedelta(days=30)
    response = client.post("/team/pathways", data={
        "pathway_id": team["path"].id, "user_ids": [team["ada"].id], "due_date": due.isoformat()})
    assert response.status_code == 302
    assert enrolled(team["path"]) == {"Ada": due}
    page = client.get("/team/pathways").get_data(as_text=True)
    assert "Ada" in page and "Testing journey" in page and "0 / 2 required" in page


def test_manager_assigns_the_whole_team(client, auth, team):
    auth.login(team["morgan"])
    response = client.post("/team/pathways", data={"pathway_id": team["path"].id,
                                                   "everyone": "y"})
    assert response.status_code == 302
    assert enrolled(team["path"]) == {"Ada": None, "Bob": None}


@pytest.mark.parametrize("form, field, message", [
    ({"user_ids": []}, "user_ids", "Choose at least one person"),
    ({"pathway_id": ""}, "pathway_id", "Choose a pathway."),
    ({"due_date": "2001-01-01"}, "due_date", "The due date is in the past."),
    ({"draft": True}, "pathway_id", "Publish the pathway before assigning it."),
    ({"user_ids": "cy"}, "user_ids", "Cy does not report to you"),
])
def test_bad_assignments_name_the_field_and_change_nothing(client, auth, team, form, field,
                                                           message):
    auth.login(team["morgan"])
    form = dict(form)  # the parameters are shared by the SQLite and PostgreSQL runs
    data = {"pathway_id": team["draft" if form.pop("draft", False) else "path"].id,
            "user_ids": [team["ada"].id]}
    if form.get("user_ids") == "cy":
        form["user_ids"] = [team["ada"].id, team["cy"].id]
    data.update(form)
    before = db_fingerprint()
    response = client.post("/team/pathways", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    errors = page.index(f'id="{field}-errors"')  # the message sits next to its field
    assert message in page[errors:errors + 300]
    assert db_fingerprint() == before


def test_an_archived_pathway_cannot_be_assigned(client, auth, team):
    builder.archive(admin_of(team["acme"]), team["path"])
    db.session.commit()
    auth.login(team["morgan"])
    response = client.post("/team/pathways", data={"pathway_id": team["path"].id,
                                                   "everyone": "y"})
    assert response.status_code == 400
    assert "archived" in response.get_data(as_text=True)
    assert enrolled(team["path"]) == {}


def test_the_list_marks_overdue_enrolments(client, auth, team):
    admin = admin_of(team["acme"])
    enrolments.assign(admin, team["path"], [team["ada"]], due_date=date.today())
    db.session.execute(Enrolment.__table__.update().values(due_date=date.today() - timedelta(1)))
    db.session.commit()
    auth.login(team["morgan"])
    page = client.get("/team/pathways").get_data(as_text=True)
    assert "1 overdue" in page and 'class="row-overdue"' in page


def test_employees_cannot_open_the_team_page(client, auth, team):
    auth.login(team["ada"])
    assert client.get("/team/pathways").status_code == 403
    assert client.post("/team/pathways", data={"pathway_id": team["path"].id,
                                               "everyone": "y"}).status_code == 403


def test_the_pathway_page_offers_managers_to_assign_it(client, auth, team):
    auth.login(team["morgan"])
    page = client.get(f"/pathways/{team['path'].id}").get_data(as_text=True)
    assert "Assign to my team" in page
    response = client.get(f"/pathways/{team['path'].id}/team-assign")
    assert response.status_code == 302
    chosen = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<option selected value="{team["path"].id}">' in chosen
