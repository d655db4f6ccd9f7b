"""The pathway, enrolment and recommendation API: the same rules as the pages."""

from __future__ import annotations

import base64

from pathways.capabilities import levels
from tests.pathways.catalogue.conftest import PDF, api_world, make_offering  # noqa: F401  (fixtures)


def test_pathway_enrolment_and_completion_over_the_api(api_world, api_as, make_offering):  # noqa: F811
    s = api_world
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


def test_recommendations_endpoint(api_world, api_as, make_offering):  # noqa: F811
    s = api_world
    make_offering(s["acme"], "Testing 101", 30_000, 8, {s["testing"]: (1, 3)})
    boss = api_as(s["boss"])  # Ada's manager may read them
    data = boss.get(f"/api/v1/employees/{s['ada'].id}/recommendations").get_json()
    assert data["role_id"] == s["role"].id and data["available_minor"] is None
    assert data["items"][0]["reason"] == "Closes Testing 0 → 3; €300.00; 8 hours."
    assert data["items"][0]["levels_gained"] == 3 and data["items"][0]["cost_minor"] == 30_000
