"""The catalogue API: offerings created, searched, edited and retired with the same rules as
the pages; the OpenAPI document lists every catalogue and learning path."""

from __future__ import annotations

from app.extensions import db
from pathways.catalogue.models import Offering


def test_offerings_crud_and_search(api_world, api_as, fingerprint):
    admin, testing = api_as(api_world["admin"]), api_world["testing"]
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
    ada = api_as(api_world["ada"])
    page = ada.get("/api/v1/offerings?q=testing&price_max_minor=26000").get_json()
    assert [o["id"] for o in page["items"]] == [oid] and page["total"] == 1
    assert ada.get("/api/v1/offerings?price_max_minor=cheap").status_code == 400
    assert ada.patch(f"/api/v1/offerings/{oid}", json={"title": "x"}).status_code == 403
    admin.patch(f"/api/v1/offerings/{oid}", json={"retired": True})
    assert ada.get("/api/v1/offerings").get_json()["total"] == 0
    assert db.session.get(Offering, oid).retired


def test_openapi_lists_the_new_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/offerings", "/api/v1/offerings/{offering_id}", "/api/v1/pathways",
                 "/api/v1/pathways/{pathway_id}", "/api/v1/pathways/{pathway_id}/enrolments",
                 "/api/v1/enrolments/{enrolment_id}/steps/{step_id}/complete",
                 "/api/v1/employees/{employee_id}/recommendations"):
        assert path in spec["paths"], path
    assert "Offering" in spec["components"]["schemas"]
