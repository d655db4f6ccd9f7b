"""The capability API: same services as the pages, JSON errors, permissions."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from pathways.capabilities import levels


def test_capabilities_list_search_create_and_get(make_company, make_user, make_capability,
                                                 api_as):
    acme = make_company()
    cap = make_capability(acme, "Testing", external_id="ESCO:1")
    admin = api_as(make_user(acme, roles=("admin",)))
    page = admin.get("/api/v1/capabilities?q=esco").get_json()
    assert page["total"] == 1 and page["items"][0]["name"] == "Testing"
    r = admin.post("/api/v1/capabilities", json={"framework_id": cap.framework_id,
                                                 "category": "Craft", "name": "Design",
                                                 "descriptors": {"1": "Sketches"}})
    assert r.status_code == 201, r.get_json()
    got = admin.get(f"/api/v1/capabilities/{r.get_json()['id']}").get_json()
    assert got["descriptors"] == {"1": "Sketches"} and got["max_level"] == 5
    r = admin.post("/api/v1/capabilities", json={"framework_id": cap.framework_id,
                                                 "category": "Craft", "name": "Design"})
    assert r.status_code == 409 and r.get_json()["error"]["field"] == "name"
    employee = api_as(make_user(acme))
    r = employee.post("/api/v1/capabilities", json={"framework_id": cap.framework_id,
                                                    "category": "Craft", "name": "X"})
    assert r.status_code == 403


def test_framework_import_csv_names_every_bad_row_and_json_works(make_company, make_user,
                                                                 api_as, fingerprint):
    acme = make_company()
    admin = api_as(make_user(acme, roles=("admin",)))
    before = fingerprint()
    r = admin.post("/api/v1/frameworks/import?framework=Eng", data="category,name\nA,\n,B\n",
                   content_type="text/csv")
    assert r.status_code == 400
    assert [e["row"] for e in r.get_json()["error"]["rows"]] == [2, 3]
    assert fingerprint() == before
    r = admin.post("/api/v1/frameworks/import?framework=Eng&dry_run=1",
                   data="category,name\nA,B\n", content_type="text/csv")
    assert r.get_json() == {"created": 1, "updated": 0, "unchanged": 0, "framework_id": None}
    doc = {"framework": {"name": "Data"}, "scale": {"name": "Three", "levels": [
        {"level": 1, "name": "Basic"}, {"level": 2, "name": "Good"}, {"level": 3, "name": "Top"}]},
        "categories": [{"name": "Analysis", "capabilities": [{"name": "SQL"}]}]}
    r = admin.post("/api/v1/frameworks/import", json=doc)
    assert r.status_code == 201 and r.get_json()["created"] == 1


def test_roles_create_get_patch_requirements(make_company, make_user, make_capability, api_as):
    acme = make_company()
    t, d = make_capability(acme, "Testing"), make_capability(acme, "Design")
    admin = api_as(make_user(acme, roles=("admin",)))
    r = admin.post("/api/v1/roles", json={"title": "Engineer", "requirements": [
        {"capability_id": t.id, "level": 3, "weight": 2}]})
    assert r.status_code == 201
    role_id = r.get_json()["id"]
    r = admin.patch(f"/api/v1/roles/{role_id}", json={"seniority": 2, "requirements": [
        {"capability_id": d.id, "level": 2}]})
    assert r.get_json()["requirements"] == [{"capability_id": d.id, "level": 2, "weight": 1}]
    assert r.get_json()["seniority"] == 2 and r.get_json()["title"] == "Engineer"
    r = admin.patch(f"/api/v1/roles/{role_id}", json={"requirements": [
        {"capability_id": d.id, "level": 9}]})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "level"
    assert admin.get("/api/v1/roles").get_json()["total"] == 1


def test_assessments_levels_and_gaps(make_company, make_user, make_capability, make_role,
                                     assign, api_as):
    acme = make_company()
    boss = make_user(acme, roles=("manager", "employee"))
    ada = make_user(acme, manager=boss)
    cap = make_capability(acme, "Testing")
    role = make_role(acme, "Engineer", {cap: 3})
    assign(ada, role)
    me = api_as(ada)
    r = me.post("/api/v1/assessments", json={"employee_id": ada.id, "capability_id": cap.id,
                                             "level": 4, "source": "manager"})
    assert r.status_code == 403 and "cannot rate yourself" in r.get_json()["error"]["message"]
    r = me.post("/api/v1/assessments", json={"employee_id": ada.id, "capability_id": cap.id,
                                             "level": 2, "source": "self", "note": "Learning"})
    assert r.status_code == 201 and r.get_json()["level"] == 2
    manager = api_as(boss)
    r = manager.post("/api/v1/assessments", json={
        "employee_id": ada.id, "capability_id": cap.id, "level": 3, "source": "manager",
        "assessed_on": "2026-01-15"})
    assert r.get_json()["explanation"].startswith("Level 3 from")
    items = manager.get(f"/api/v1/employees/{ada.id}/levels").get_json()["items"]
    assert items[0]["decided_by"]["source"] == "manager"
    past = me.get(f"/api/v1/employees/{ada.id}/levels?at=2026-01-01").get_json()["items"]
    assert past == [] or past[0]["level"] == levels.current_level(ada, cap, date(2026, 1, 1))
    gaps = me.get(f"/api/v1/employees/{ada.id}/gaps").get_json()
    assert gaps["role_id"] == role.id and gaps["readiness"] == 1.0
    senior = make_role(acme, "Senior", {cap: 5})
    gaps = me.get(f"/api/v1/employees/{ada.id}/gaps?role_id={senior.id}").get_json()
    assert gaps["items"][0]["gap"] == 2
    stranger = api_as(make_user(acme))
    assert stranger.get(f"/api/v1/employees/{ada.id}/levels").status_code == 403


def test_openapi_documents_every_capability_endpoint(make_company, make_user, api_as, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in [("/api/v1/capabilities", "get"), ("/api/v1/capabilities", "post"),
                         ("/api/v1/capabilities/{capability_id}", "get"),
                         ("/api/v1/frameworks/import", "post"), ("/api/v1/roles", "post"),
                         ("/api/v1/roles/{role_id}", "patch"), ("/api/v1/assessments", "post"),
                         ("/api/v1/employees/{employee_id}/levels", "get"),
                         ("/api/v1/employees/{employee_id}/gaps", "get")]:
        assert method in spec["paths"][path], (path, method)
    assert "Level" in spec["components"]["schemas"]
    db.session.rollback()
