"""Employee, manager and executive pages: my capabilities, ratings, team heatmap, coverage."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from pathways.capabilities import levels
from pathways.capabilities.models import Assessment, RatingRequest, RoleAssignment


@pytest.fixture
def team(make_company, make_user, make_capability, make_role, assign, evidence):
    acme = make_company()
    morgan = make_user(acme, name="Morgan Avery", roles=("manager", "employee"))
    ada = make_user(acme, name="Ada Lovelace", manager=morgan)
    bob = make_user(acme, name="Bob Boole", manager=morgan)
    testing = make_capability(acme, "Testing")
    design = make_capability(acme, "Design")
    engineer = make_role(acme, "Engineer", {testing: 3, design: 2})
    senior = make_role(acme, "Senior Engineer", {testing: 4, design: 4})
    from pathways.capabilities import roles
    from tests.pathways.conftest import admin_of

    roles.add_move(admin_of(acme), engineer, senior)
    db.session.commit()
    assign(ada, engineer)
    assign(bob, engineer)
    evidence(ada, testing, 2, "self", on=date(2026, 1, 1))
    evidence(ada, testing, 3, "manager", on=date(2026, 2, 1), author=morgan)
    return {"acme": acme, "morgan": morgan, "ada": ada, "bob": bob, "testing": testing,
            "design": design, "engineer": engineer, "senior": senior}


def test_employee_sees_levels_with_why_and_gaps_with_a_chart(client, auth, team):
    auth.login(team["ada"])
    page = client.get("/me/capabilities").get_data(as_text=True)
    assert "Role: <strong>Engineer</strong>" in page
    assert "Level 3 from Morgan Avery&#39;s manager rating on 2026-02-01" in page
    assert "<svg" in page and "Readiness <strong>50%</strong>" in page
    assert page.index("Design") < page.index("Testing")  # biggest gap first
    assert 'style="' not in page  # CSP: no inline styles


def test_employee_self_assesses_requests_a_rating_and_chooses_a_target(client, auth, team):
    s = team
    auth.login(s["ada"])
    client.post("/me/capabilities/assess", data={"self-capability_id": s["design"].id,
                                                 "self-level": 2, "self-note": "Drew the API"})
    assert levels.current_level(s["ada"], s["design"]) == 2
    client.post("/me/capabilities/request", data={"ask-capability_id": s["design"].id})
    req = db.session.scalar(select(RatingRequest))
    assert req.rater_id == s["morgan"].id
    assert db.session.scalar(select(OutboxMessage.subject)) == (
        "Ada Lovelace asks you to rate Design")
    client.post("/me/capabilities/target", data={"target_role_id": s["senior"].id})
    assert db.session.get(RoleAssignment, s["ada"].id).target_role_id == s["senior"].id
    page = client.get("/me/capabilities").get_data(as_text=True)
    assert "Gaps for my target role: Senior Engineer" in page


def test_target_role_must_be_a_career_move(client, auth, team, make_role):
    other = make_role(team["acme"], "Designer")
    auth.login(team["ada"])
    client.post("/me/capabilities/target", data={"target_role_id": other.id})
    assert db.session.get(RoleAssignment, team["ada"].id).target_role_id is None


def test_manager_sees_heatmap_rates_a_report_and_answers_a_request(client, auth, team):
    s = team
    auth.login(s["morgan"])
    page = client.get("/team/capabilities").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Bob Boole" in page
    assert 'class="heat-4"' in page and "3/3" in page  # Ada's Testing is met
    client.post(f"/team/people/{s['bob'].id}/capabilities",
                data={"capability_id": s["testing"].id, "level": 3, "note": "Great tests"})
    assert levels.current_level(s["bob"], s["testing"]) == 3
    req = RatingRequest(company_id=s["acme"].id, user_id=s["ada"].id, rater_id=s["morgan"].id,
                        capability_id=s["design"].id)
    db.session.add(req)
    db.session.commit()
    assert b"Rating requests for you" in client.get("/team/capabilities").data
    client.post(f"/rating-requests/{req.id}", data={"level": 2, "note": "Solid"})
    db.session.expire_all()
    answer = db.session.get(Assessment, req.assessment_id)
    assert (req.status, answer.source, answer.level) == ("answered", "manager", 2)


def test_a_manager_rates_only_their_reports_and_nobody_answers_for_others(
        client, auth, team, make_user):
    s = team
    other = make_user(s["acme"], roles=("manager",))
    auth.login(other)
    assert client.get(f"/team/people/{s['ada'].id}/capabilities").status_code == 403
    r = client.post(f"/team/people/{s['ada'].id}/capabilities",
                    data={"capability_id": s["testing"].id, "level": 5})
    assert r.status_code == 403
    req = RatingRequest(company_id=s["acme"].id, user_id=s["ada"].id, rater_id=s["morgan"].id,
                        capability_id=s["design"].id)
    db.session.add(req)
    db.session.commit()
    assert client.post(f"/rating-requests/{req.id}", data={"level": 5}).status_code == 403
    assert levels.current_level(s["ada"], s["testing"]) == 3


def test_employee_cannot_reach_manager_or_coverage_pages(client, auth, team):
    auth.login(team["ada"])
    assert client.get("/team/capabilities").status_code == 403
    assert client.get("/capabilities/coverage").status_code == 403


def test_coverage_page_filters_and_hides_small_teams(client, auth, team, make_user):
    s = team
    auth.login(make_user(s["acme"], roles=("executive",)))
    page = client.get("/capabilities/coverage").get_data(as_text=True)
    # Testing: Ada 3 ≥ 3, Bob 0 → 50 %; Design: nobody → 0 %.
    assert "<svg" in page and "50%" in page and "0%" in page
    assert "hidden" in page  # the only group has 2 people
    filtered = client.get(f"/capabilities/coverage?role={s['senior'].id}").get_data(as_text=True)
    assert "Nothing to cover yet" in filtered


def test_a_peer_answers_a_rating_request_as_a_peer_rating(client, auth, team):
    s = team
    auth.login(s["ada"])
    client.post("/me/capabilities/request", data={"ask-capability_id": s["design"].id,
                                                  "ask-rater_email": s["bob"].email,
                                                  "ask-note": "How did the API review go?"})
    req = db.session.scalar(select(RatingRequest))
    assert req.rater_id == s["bob"].id
    auth.logout()
    auth.login(s["bob"])
    assert b"Ada Lovelace: Design" in client.get("/me/capabilities").data
    client.post(f"/rating-requests/{req.id}", data={"level": 2})
    db.session.expire_all()
    assert db.session.get(Assessment, req.assessment_id).source == "peer"
    assert levels.current_level(s["ada"], s["design"]) == 2
