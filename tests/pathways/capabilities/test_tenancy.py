"""Another company's capability-map ids are a 404 on every route, HTML and API, and change
nothing."""

from __future__ import annotations

from datetime import date

from app.auth import service as accounts
from app.extensions import db
from app.models import PendingImport
from pathways.capabilities import roles
from pathways.capabilities.models import CareerMove, RatingRequest
from tests.tenancy import Route, assert_foreign_404

ALL = ("admin", "manager", "employee", "executive")


def test_foreign_ids_are_404_everywhere(app, client, auth, make_company, make_user, make_capability,
                                        make_role, make_framework, assign, evidence):
    acme, globex = make_company(), make_company()
    boss = make_user(acme, roles=ALL)
    ada = make_user(acme, manager=boss)
    cap = make_capability(acme, "Testing")
    role, senior = make_role(acme, "Engineer", {cap: 3}), make_role(acme, "Senior", {cap: 4})
    assign(ada, role)
    evidence(ada, cap, 2, "self", on=date(2026, 1, 1))
    move = roles.add_move(boss, role, senior)
    pending = PendingImport(company_id=acme.id, created_by_id=boss.id, kind="framework",
                            filename="f.csv", content="category,name\nA,B\n",
                            options={"framework": "X"})
    req = RatingRequest(company_id=acme.id, user_id=ada.id, rater_id=boss.id,
                        capability_id=cap.id)
    db.session.add_all([pending, req])
    db.session.commit()
    fw, scale = cap.framework_id, cap.framework.scale_id
    move_id, pending_id, req_id = move.id, pending.id, req.id
    assert db.session.get(CareerMove, move_id) is not None

    # The other tenant: holds every access role, has its own role, person and capability.
    hank = make_user(globex, roles=ALL)
    own_cap = make_capability(globex, "Own")
    own_role = make_role(globex, "Own role", {own_cap: 2})
    own_person = make_user(globex, manager=hank)
    assign(own_person, own_role)
    _t, token = accounts.create_token(hank, "t")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    auth.login(hank)

    routes = [
        Route("GET", f"/frameworks/{fw}"),
        Route("POST", f"/frameworks/{fw}", form={"category": "C", "name": "N"}),
        Route("GET", f"/frameworks/{fw}/export.csv"),
        Route("GET", f"/frameworks/{fw}/export.json"),
        Route("GET", f"/frameworks/{fw}/scale"),
        Route("POST", f"/frameworks/{own_cap.framework_id}/scale", form={"scale_id": scale}),
        Route("POST", "/frameworks", form={"fw-name": "Stolen", "fw-scale_id": scale}),
        Route("GET", f"/capabilities/{cap.id}/edit"),
        Route("POST", f"/capabilities/{cap.id}/edit", form={"category": "C", "name": "N"}),
        Route("POST", f"/capabilities/{cap.id}/retire"),
        Route("POST", f"/capabilities/{cap.id}/restore"),
        Route("GET", f"/frameworks/import/{pending_id}"),
        Route("POST", f"/frameworks/import/{pending_id}"),
        Route("GET", f"/roles/{role.id}"),
        Route("POST", f"/roles/{role.id}", form={"title": "Stolen"}),
        Route("POST", f"/roles/{role.id}/requirements", form={f"lvl-{cap.id}": 1}),
        Route("POST", f"/roles/{role.id}/copy", form={"title": "Copy"}),
        Route("POST", f"/roles/{role.id}/moves", form={"to_role_id": own_role.id}),
        Route("POST", f"/roles/{own_role.id}/moves", form={"to_role_id": role.id}),
        Route("POST", f"/roles/moves/{move_id}/delete"),
        Route("GET", f"/roles/matrix?framework={fw}"),
        Route("POST", f"/roles/people/{ada.id}", form={"role_id": own_role.id}),
        Route("POST", f"/roles/people/{own_person.id}", form={"role_id": role.id}),
        Route("GET", f"/team/people/{ada.id}/capabilities"),
        Route("POST", f"/team/people/{ada.id}/capabilities",
              form={"capability_id": own_cap.id, "level": 1}),
        Route("GET", f"/rating-requests/{req_id}"),
        Route("POST", f"/rating-requests/{req_id}", form={"level": 1}),
        Route("POST", "/me/capabilities/assess",
              form={"self-capability_id": cap.id, "self-level": 1}),
        Route("POST", "/me/capabilities/request", form={"ask-capability_id": cap.id}),
        Route("POST", "/me/capabilities/target", form={"target_role_id": role.id}),
    ]
    assert_foreign_404(client, routes)
    api = app.test_client()  # no session cookie: the bearer token alone
    routes = [
        Route("GET", f"/api/v1/capabilities/{cap.id}", headers=bearer),
        Route("POST", "/api/v1/capabilities", headers=bearer,
              json={"framework_id": fw, "category": "C", "name": "N"}),
        Route("GET", f"/api/v1/roles/{role.id}", headers=bearer),
        Route("PATCH", f"/api/v1/roles/{role.id}", headers=bearer, json={"title": "Stolen"}),
        Route("POST", "/api/v1/assessments", headers=bearer, json={
            "employee_id": ada.id, "capability_id": own_cap.id, "level": 1, "source": "peer"}),
        Route("POST", "/api/v1/assessments", headers=bearer, json={
            "employee_id": own_person.id, "capability_id": cap.id, "level": 1,
            "source": "manager"}),
        Route("GET", f"/api/v1/employees/{ada.id}/levels", headers=bearer),
        Route("GET", f"/api/v1/employees/{ada.id}/gaps", headers=bearer),
        Route("GET", f"/api/v1/employees/{own_person.id}/gaps?role_id={role.id}",
              headers=bearer),
    ]
    assert_foreign_404(api, routes)
    # And nothing of Acme shows up in Globex's lists.
    assert b"Testing" not in client.get("/frameworks").data
    assert b">Engineer</a>" not in client.get("/roles").data
    listing = api.get("/api/v1/capabilities", headers=bearer).get_json()
    assert [c["name"] for c in listing["items"]] == ["Own"]
