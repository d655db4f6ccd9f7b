"""The catalogue, pathway, enrolment and recommendation API: the same rules as the pages."""

from __future__ import annotations

import base64

import pytest

from app.extensions import db
from pathways import levels
from pathways.catalogue_models import Offering

from .catalogue_helpers import PDF, make_offering  # noqa: F401


@pytest.fixture
def setup(make_company, make_user, make_capability, make_role, assign, make_team):
    acme = make_company(name="Acme")
    admin = make_user(acme, roles=("admin",), name="Admin")
    boss = make_user(acme, roles=("manager", "employee"), name="Boss")
    team = make_team(acme, "Platform")
    ada = make_user(acme, name="Ada", manager=boss, team=team)
    bob = make_user(acme, name="Bob", team=team)
    testing = make_capability(acme, "Testing")
    role = make_role(acme, "Engineer", {testing: 3})
    assign(ada, role)
    return dict(acme=acme, admin=admin, boss=boss, ada=ada, bob=bob, team=team,
                testing=testing, role=role)


def test_offerings_crud_and_search(setup, api_as, fingerprint):
    admin, testing = api_as(setup["admin"]), setup["testing"]
    body = {"title": "Testing 101", "type": "course", "provider": "Acme Academy",
            "price_minor": 30_000, "currency": "EUR", "duration_hours": 8, "format": "online",
            "capabilities": [{"capability_id": testing.id, "from_level": 1, "to_level": 3}]}
    created = admin.post("/api/v1/offerings", json=body)
    assert created.status_code == 201
    data = created.get_json()
    assert data["provider"] == "Acme Academy" and data["capabilities"][0]["to_level"] == 3
    oid = data["id"]
    before = fingerprint()
    for bad, name in [({"price_minor": "300"}, "price_minor"), ({"type": "movie"}, "type"),
                      ({"currency": "USD"}, "currency"),
                      ({"capabilities": [{"capability_id": testing.id, "from_level": 3,
                                          "to_level": 1}]}, "capabilities")]:
        response = admin.post("/api/v1/offerings", json=body | bad)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == name
    assert fingerprint() == before
    patched = admin.patch(f"/api/v1/offerings/{oid}", json={"price_minor": 25_000})
    assert patched.get_json()["price_minor"] == 25_000
    assert patched.get_json()["capabilities"][0]["capability_id"] == testing.id  # kept
    ada = api_as(setup["ada"])
    page = ada.get("/api/v1/offerings?q=testing&price_max_minor=26000").get_json()
    assert [o["id"] for o in page["items"]] == [oid] and page["total"] == 1
    assert ada.get("/api/v1/offerings?price_max_minor=cheap").status_code == 400
    assert ada.patch(f"/api/v1/offerings/{oid}", json={"title": "x"}).status_code == 403
    admin.patch(f"/api/v1/offerings/{oid}", json={"retired": True})
    assert ada.get("/api/v1/offerings").get_json()["total"] == 0
    assert db.session.get(Offering, oid).retired


def test_pathway_enrolment_and_completion_over_the_api(setup, api_as, make_offering):  # noqa: F811
    s = setup
    course = make_offering(s["acme"], "Testing 101", 30_000, 8, {s["testing"]: (1, 3)})
    admin = api_as(s["admin"])
    response = admin.post("/api/v1/pathways", json={
        "title": "Testing journey", "target_role_id": s["role"].id, "status": "published",
        "steps": [{"kind": "offering", "offering_id": course.id},
                  {"kind": "practice", "title": "Write a test plan",
                   "capability_id": s["testing"].id, "to_level": 3, "estimated_hours": 4,
                   "prerequisites": [1]}]})
    assert response.status_code == 201, response.get_json()
    pathway = response.get_json()
    assert (pathway["estimated_cost_minor"], pathway["estimated_hours"]) == (30_000, 12)
    assert pathway["steps"][1]["prerequisites"] == [1]
    bad = admin.post("/api/v1/pathways", json={"title": "X", "steps": [
        {"kind": "practice", "title": "t", "prerequisites": [2]}]})
    assert bad.status_code == 400 and "Step 1" in bad.get_json()["error"]["message"]

    team = admin.post(f"/api/v1/pathways/{pathway['id']}/enrolments",
                      json={"team_ids": [s["team"].id], "due_date": "2099-06-30"})
    assert team.get_json() == {"enrolled": 2, "already": 0}
    ada = api_as(s["ada"])
    mine = ada.post(f"/api/v1/pathways/{pathway['id']}/enrolments",
                    json={"employee_id": s["ada"].id}).get_json()
    first, second = (st["id"] for st in pathway["steps"])
    assert mine["next_step_id"] == first and mine["due_date"] == "2099-06-30"
    locked = ada.post(f"/api/v1/enrolments/{mine['id']}/steps/{second}/complete", json={})
    assert locked.status_code == 400 and "Testing 101" in locked.get_json()["error"]["message"]
    bad_file = ada.post(f"/api/v1/enrolments/{mine['id']}/steps/{first}/complete",
                        json={"certificate_base64": base64.b64encode(b"hello").decode()})
    assert bad_file.get_json()["error"]["field"] == "certificate"
    done = ada.post(f"/api/v1/enrolments/{mine['id']}/steps/{first}/complete", json={
        "note": "Passed", "certificate_base64": base64.b64encode(PDF).decode(),
        "certificate_name": "cert.pdf"})
    assert done.status_code == 201 and done.get_json()["completed_step_ids"] == [first]
    assert levels.current_level(s["ada"], s["testing"]) == 3
    # Bob (a colleague) may neither complete Ada's steps nor read her recommendations.
    bob = api_as(s["bob"])
    assert bob.post(f"/api/v1/enrolments/{mine['id']}/steps/{second}/complete",
                    json={}).status_code == 403
    assert bob.get(f"/api/v1/employees/{s['ada'].id}/recommendations").status_code == 404
    assert bob.post(f"/api/v1/pathways/{pathway['id']}/enrolments",
                    json={"employee_id": s["ada"].id}).status_code == 403


def test_recommendations_endpoint(setup, api_as, make_offering):  # noqa: F811
    s = setup
    make_offering(s["acme"], "Testing 101", 30_000, 8, {s["testing"]: (1, 3)})
    boss = api_as(s["boss"])  # Ada's manager may read them
    data = boss.get(f"/api/v1/employees/{s['ada'].id}/recommendations").get_json()
    assert data["role_id"] == s["role"].id and data["available_minor"] is None
    assert data["items"][0]["reason"] == "Closes Testing 0 → 3; €300.00; 8 hours."
    assert data["items"][0]["levels_gained"] == 3 and data["items"][0]["cost_minor"] == 30_000


def test_openapi_lists_the_new_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/offerings", "/api/v1/offerings/{offering_id}", "/api/v1/pathways",
                 "/api/v1/pathways/{pathway_id}", "/api/v1/pathways/{pathway_id}/enrolments",
                 "/api/v1/enrolments/{enrolment_id}/steps/{step_id}/complete",
                 "/api/v1/employees/{employee_id}/recommendations"):
        assert path in spec["paths"], path
    assert "Offering" in spec["components"]["schemas"]
