"""The JSON API: tokens, permissions, validation errors that name the field, OpenAPI."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ApiToken, User


@pytest.fixture
def acme(make_company):
    return make_company(name="Acme", slug="acme")


@pytest.fixture
def admin(acme, make_user):
    return make_user(acme, roles=("admin",), email="hr@acme.test")


def test_requests_without_a_valid_token_get_a_json_401(client, acme, admin):
    for headers in ({}, {"Authorization": "Bearer trl_nope"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_session_cookies_do_not_authenticate_the_api(client, auth, admin):
    auth.login(admin)
    assert client.get("/api/v1/me").status_code == 401


def test_me_returns_the_token_owner(api_as, admin):
    body = api_as(admin).get("/api/v1/me").get_json()
    assert body["email"] == "hr@acme.test" and body["company"]["slug"] == "acme"


def test_revoked_token_stops_working_and_only_its_hash_is_stored(app, client, auth, admin):
    from app.auth import service

    token, secret = service.create_token(admin, "script")
    db.session.commit()
    assert secret not in {t.token_hash for t in db.session.query(ApiToken)}
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    auth.login(admin)
    client.post(f"/account/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_page_shows_a_new_token_once(client, auth, admin):
    auth.login(admin)
    page = client.post("/account/tokens", data={"name": "HR sync"}).get_data(as_text=True)
    token = db.session.query(ApiToken).one()
    assert token.prefix in page and "trl_" in page
    assert page.count(token.prefix) >= 1
    again = client.get("/account/tokens").get_data(as_text=True)
    assert "HR sync" in again and "will not be shown again" not in again.lower()


def test_admin_creates_and_updates_employees(api_as, acme, admin, make_team):
    team = make_team(acme, "Data")
    api = api_as(admin)
    created = api.post("/api/v1/employees", json={
        "email": "Grace@acme.test", "name": "Grace", "team_id": team.id,
        "manager_id": admin.id, "access_roles": ["employee", "manager"],
        "start_date": "2026-03-01"})
    assert created.status_code == 201
    grace = created.get_json()
    assert grace["email"] == "grace@acme.test" and grace["status"] == "active"
    patched = api.patch(f"/api/v1/employees/{grace['id']}", json={"job_title": "Lead",
                                                                     "status": "left"})
    assert patched.status_code == 200
    assert patched.get_json()["job_title"] == "Lead" and patched.get_json()["status"] == "left"


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"name": "X"}, "email", "'email' is required."),
    ({"email": "x@acme.test"}, "name", "'name' is required."),
    ({"email": "x@acme.test", "name": "X", "team_id": "7"}, "team_id",
     "'team_id' must be an integer."),
    ({"email": "x@acme.test", "name": "X", "access_roles": ["wizard"]}, "access_roles",
     "each of 'access_roles' must be one of 'admin', 'manager', 'employee' or 'executive'."),
    ({"email": "x@acme.test", "name": "X", "start_date": "01/02/2026"}, "start_date",
     "'start_date' must be a date like 2026-01-31."),
])
def test_bad_employee_input_names_the_field_and_changes_nothing(api_as, admin, fingerprint,
                                                               payload, field, message):
    api = api_as(admin)
    before = fingerprint()
    response = api.post("/api/v1/employees", json=payload)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "validation_error", "field": field,
                                            "message": message}
    assert fingerprint() == before


def test_an_address_already_in_the_company_is_a_conflict_that_changes_nothing(api_as, admin,
                                                                             fingerprint):
    api = api_as(admin)
    before = fingerprint()
    response = api.post("/api/v1/employees", json={"email": "hr@acme.test", "name": "X"})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": "conflict", "field": "email",
                                            "message": "Someone in Acme already uses hr@acme.test."}
    assert fingerprint() == before


def test_an_address_of_another_company_is_created_without_a_word(api_as, admin, make_company,
                                                                 make_user):
    make_user(make_company(name="Globex"), email="sam@consult.test")
    response = api_as(admin).post("/api/v1/employees", json={"email": "sam@consult.test",
                                                             "name": "Sam"})
    assert response.status_code == 201 and response.get_json()["email"] == "sam@consult.test"


def test_non_json_body_is_a_clear_400(api_as, admin):
    response = api_as(admin).post("/api/v1/employees", data="email=x",
                                  content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_employees_see_themselves_managers_their_reports(api_as, acme, make_user):
    boss = make_user(acme, roles=("manager",))
    report = make_user(acme, manager=boss)
    stranger = make_user(acme)
    mine = api_as(boss).get("/api/v1/employees").get_json()
    assert {p["id"] for p in mine["items"]} == {boss.id, report.id}
    api = api_as(report)
    assert api.get(f"/api/v1/employees/{stranger.id}").status_code == 403
    assert api.post("/api/v1/employees", json={"email": "n@acme.test", "name": "N"}
                    ).get_json()["error"]["code"] == "forbidden"


def test_employee_list_paginates(api_as, acme, admin, make_user):
    for _ in range(7):
        make_user(acme)
    page = api_as(admin).get("/api/v1/employees?per_page=3&page=3").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (8, 3, 2)


def test_teams_list_and_create(api_as, admin):
    api = api_as(admin)
    parent = api.post("/api/v1/teams", json={"name": "Engineering"}).get_json()
    child = api.post("/api/v1/teams", json={"name": "Platform", "parent_id": parent["id"]})
    assert child.status_code == 201 and child.get_json()["parent_id"] == parent["id"]
    names = [t["name"] for t in api.get("/api/v1/teams").get_json()["items"]]
    assert names == ["Engineering", "Platform"]


def test_unknown_api_path_and_method_are_json_errors(api_as, admin):
    api = api_as(admin)
    assert api.get("/api/v1/nothing-here").get_json()["error"]["code"] == "not_found"
    response = api.delete("/api/v1/me")
    assert response.status_code == 405 and "error" in response.get_json()


def test_openapi_document_describes_the_endpoints(client, acme):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/employees"])
    assert "patch" in spec["paths"]["/api/v1/employees/{employee_id}"]
    assert "Employee" in spec["components"]["schemas"]
    assert db.session.query(User).count() == 0
