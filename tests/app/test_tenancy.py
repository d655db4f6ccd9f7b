"""Another company's admin gets 404 on every id-taking route of the shell, and changes nothing."""

from __future__ import annotations

from app.auth.service import create_token
from app.extensions import db
from app.models import PendingImport

from ..conftest import PASSWORD
from ..tenancy import Route, assert_foreign_404


def test_globex_admin_cannot_reach_acme_objects(app, make_company, make_user, make_team,
                                                 api_as):
    acme, globex = make_company(name="Acme"), make_company(name="Globex")
    acme_admin = make_user(acme, roles=("admin",))
    person = make_user(acme)
    team = make_team(acme, "Robotics")
    pending = PendingImport(company_id=acme.id, created_by_id=acme_admin.id, kind="people",
                            filename="p.csv", content="email,name\nx@acme.test,X\n")
    db.session.add(pending)
    token, _secret = create_token(acme_admin, "acme script")
    db.session.commit()
    spy = make_user(globex, roles=("admin", "manager", "employee", "executive"))

    html = app.test_client()
    html.post("/login", data={"email": spy.email, "password": PASSWORD})
    assert_foreign_404(html, [
        Route("GET", f"/people/{person.id}"),
        Route("GET", f"/people/{person.id}/edit"),
        Route("POST", f"/people/{person.id}/edit", form={"name": "Hacked", "email": "h@x.test",
                                                         "access_roles": ["employee"]}),
        Route("POST", f"/people/{person.id}/deactivate"),
        Route("POST", f"/people/{person.id}/reactivate"),
        Route("POST", f"/people/{person.id}/invite"),
        Route("GET", f"/teams/{team.id}/edit"),
        Route("POST", f"/teams/{team.id}/edit", form={"name": "Hacked"}),
        Route("POST", f"/teams/{team.id}/delete"),
        Route("GET", f"/people/import/{pending.id}"),
        Route("POST", f"/people/import/{pending.id}"),
        Route("POST", f"/account/tokens/{token.id}/revoke"),
    ])
    assert_foreign_404(api_as(spy), [
        Route("GET", f"/api/v1/employees/{person.id}"),
        Route("PATCH", f"/api/v1/employees/{person.id}", json={"name": "Hacked"}),
    ])


def test_foreign_team_and_manager_ids_in_bodies_are_refused(api_as, make_company, make_user,
                                                            make_team, fingerprint):
    acme, globex = make_company(), make_company()
    foreign_team = make_team(acme, "Secret")
    foreign_boss = make_user(acme)
    globex_admin = make_user(globex, roles=("admin",))
    api = api_as(globex_admin)
    before = fingerprint()
    assert api.post("/api/v1/employees", json={"email": "n@globex.test", "name": "N",
                                               "team_id": foreign_team.id}).status_code == 404
    response = api.post("/api/v1/employees", json={"email": "n@globex.test", "name": "N",
                                                   "manager_id": foreign_boss.id})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "manager_id"
    assert api.post("/api/v1/teams", json={"name": "X", "parent_id": foreign_team.id}
                    ).status_code == 404
    assert fingerprint() == before
