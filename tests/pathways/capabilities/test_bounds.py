"""Hostile input on the capability pages, importer and export (issue 13): formula cells are
neutralised in the CSV export, NUL characters and over-long cells are refused naming the row
and field, and nothing answers 500."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from pathways.capabilities import framework_import as fi
from pathways.capabilities.models import Capability, Role


def test_the_framework_csv_export_neutralises_formula_cells(client, auth, make_company,
                                                            make_user, make_capability):
    acme = make_company()
    cap = make_capability(acme, '=HYPERLINK("x")', category="+Craft", description="@SUM(1)")
    auth.login(make_user(acme, roles=("admin",)))
    r = client.get(f"/frameworks/{cap.framework_id}/export.csv")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    row = text.splitlines()[1]
    assert row.startswith("'+Craft,") and "\"'=HYPERLINK(\"\"x\"\")\"" in row
    assert "'@SUM(1)" in row
    assert not any(line.startswith(("=", "+", "@")) for line in text.splitlines())
    # Read back, the neutralised cells are the names as written: nothing changes.
    plan = fi.parse_csv(acme.id, text, cap.framework.name)
    assert plan.ok and (plan.unchanged, plan.creates) == (1, 0), plan.errors


def test_the_framework_import_refuses_nul_and_long_cells_naming_row_and_field(
        make_company, make_user, api_as, fingerprint):
    acme = make_company()
    admin = api_as(make_user(acme, roles=("admin",)))
    before = fingerprint()
    csv = ("category,name,description,level_1\nCraft,Te\x00sting,,\nCraft,Design,"
           + "d" * 5001 + ",\nCraft,Ops,,x\x00\n")
    r = admin.post("/api/v1/frameworks/import?framework=Eng", data=csv.encode(),
                   content_type="text/csv")
    assert r.status_code == 400
    rows = [(e["row"], e["field"]) for e in r.get_json()["error"]["rows"]]
    assert rows == [(2, "name"), (3, "description"), (4, "level_1")]
    huge = "category,name\nCraft," + "x" * 200_000 + "\n"
    r = admin.post("/api/v1/frameworks/import?framework=Eng", data=huge,
                   content_type="text/csv")
    assert r.status_code == 400 and "readable" in r.get_json()["error"]["message"]
    r = admin.post("/api/v1/frameworks/import?framework=" + "F" * 121, data="category,name\nA,B\n",
                   content_type="text/csv")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "framework"
    deep = "[" * 100_000 + "]" * 100_000
    r = admin.post("/api/v1/frameworks/import", data=deep, content_type="application/json")
    assert r.status_code == 400
    doc = {"framework": {"name": "Data", "description": ["not", "text"]},
           "categories": [{"name": "A", "capabilities": [{"name": "B",
                                                          "descriptors": {"²": "x"}}]}]}
    r = admin.post("/api/v1/frameworks/import", json=doc)
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "descriptors"
    assert fingerprint() == before


def test_the_capability_api_bounds_its_fields(make_company, make_user, make_capability, api_as):
    acme = make_company()
    cap = make_capability(acme, "Testing")
    admin = api_as(make_user(acme, roles=("admin",)))
    for bad, name in [({"name": "x" * 201}, "name"), ({"name": "a\x00b"}, "name"),
                      ({"framework_id": 2**31}, "framework_id"),
                      ({"descriptors": {"1": "x" * 5001}}, "descriptors")]:
        body = {"framework_id": cap.framework_id, "category": "Craft", "name": "New"} | bad
        r = admin.post("/api/v1/capabilities", json=body)
        assert r.status_code == 400, (bad, r.get_json())
        assert r.get_json()["error"]["field"].split(".")[0] == name, (bad, r.get_json())
    assert admin.get("/api/v1/capabilities?page=1000001").status_code == 400
    r = admin.post("/api/v1/roles", json={"title": "R", "requirements": [
        {"capability_id": cap.id, "level": 2**40}]})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count(Role.id))) == 0


def test_the_pages_refuse_nul_next_to_the_field(client, auth, make_company, make_user,
                                                make_capability):
    acme = make_company()
    cap = make_capability(acme, "Testing")
    auth.login(make_user(acme, roles=("admin",)))
    r = client.post("/roles", data={"title": "Eng\x00ineer"})
    assert r.status_code == 200 and "NUL character" in r.get_data(as_text=True)
    r = client.post(f"/frameworks/{cap.framework_id}", data={"category": "Craft",
                                                             "name": "De\x00sign"})
    assert r.status_code == 200 and "NUL character" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Role.id))) == 0
    assert db.session.scalar(select(func.count(Capability.id))) == 1
