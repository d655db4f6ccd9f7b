"""Another company's catalogue, pathway, enrolment and completion ids are a 404 on every new
route, HTML and API, and change nothing."""

from __future__ import annotations

from app.auth import service as accounts
from app.extensions import db
from app.models import PendingImport
from pathways.learning import completing, enrolments
from pathways.learning.builder import StepData
from tests.pathways.catalogue.conftest import PDF, make_offering, make_provider  # noqa: F401  (fixtures)
from tests.pathways.conftest import admin_of
from tests.tenancy import Route, assert_foreign_404

ALL = ("admin", "manager", "employee", "executive")


def test_foreign_ids_are_404_everywhere(app, client, auth, make_company, make_user, make_team,
                                        make_capability, make_role, make_offering,  # noqa: F811
                                        make_provider, make_pathway):  # noqa: F811
    acme, globex = make_company(), make_company()
    boss = make_user(acme, roles=ALL)
    ada = make_user(acme, manager=boss)
    team = make_team(acme, "Platform")
    cap = make_capability(acme, "Testing")
    role = make_role(acme, "Engineer", {cap: 3})
    provider = make_provider(acme, "Acme Academy")
    offering = make_offering(acme, "Testing 101", develops={cap: (1, 3)},
                             provider_id=provider.id)
    path = make_pathway(acme, "Path", [StepData("offering", offering_id=offering.id),
                                       StepData("reading", "Read", url="https://r.test")])
    enrolment = enrolments.enrol_self(ada, path)
    completing.set_verification(admin_of(acme), True)
    done = enrolments.complete_step(ada, enrolment, path.steps[0], "note",
                                         certificate=(PDF, "c.pdf"))
    pending = PendingImport(company_id=acme.id, created_by_id=boss.id, kind="offerings",
                            filename="o.csv", content="title,type,price,duration_hours\nX,book,1,1\n")
    db.session.add(pending)
    db.session.commit()
    ids = dict(o=offering.id, p=provider.id, path=path.id, s=path.steps[0].id, s2=path.steps[1].id,
               e=enrolment.id, c=done.id, u=ada.id, r=role.id, t=team.id, pi=pending.id,
               cap=cap.id)

    hank = make_user(globex, roles=ALL)
    own_cap = make_capability(globex, "Own")
    own_offering = make_offering(globex, "Own course", develops={own_cap: (1, 2)})
    own_path = make_pathway(globex, "Own path", [StepData("offering", offering_id=own_offering.id)])
    own_enrolment = enrolments.enrol_self(hank, own_path)
    _t, token = accounts.create_token(hank, "t")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    auth.login(hank)

    routes = [
        Route("GET", f"/catalogue/{ids['o']}"),
        Route("POST", f"/catalogue/{ids['o']}/review", form={"rating": "5", "text": "x"}),
        Route("GET", f"/admin/catalogue/{ids['o']}/edit"),
        Route("POST", f"/admin/catalogue/{ids['o']}/edit",
              form={"title": "Stolen", "type": "course", "format": "online"}),
        Route("POST", f"/admin/catalogue/{ids['o']}/retire"),
        Route("GET", f"/admin/providers/{ids['p']}"),
        Route("POST", f"/admin/providers/{ids['p']}", form={"name": "Stolen"}),
        Route("POST", f"/admin/providers/{ids['p']}/retire"),
        Route("GET", f"/admin/catalogue/import/{ids['pi']}"),
        Route("POST", f"/admin/catalogue/import/{ids['pi']}"),
        Route("GET", f"/admin/pathways/{ids['path']}"),
        Route("POST", f"/admin/pathways/{ids['path']}", form={"path-title": "Stolen"}),
        Route("POST", f"/admin/pathways/{ids['path']}/steps",
              form={"step-kind": "reading", "step-title": "x", "step-url": "https://x.test"}),
        Route("POST", f"/admin/pathways/{ids['path']}/steps/{ids['s']}/move",
              form={"direction": "down"}),
        Route("POST", f"/admin/pathways/{ids['path']}/steps/{ids['s2']}/remove"),
        Route("POST", f"/admin/pathways/{own_path.id}/steps/{ids['s']}/remove"),
        Route("POST", f"/admin/pathways/{ids['path']}/publish"),
        Route("POST", f"/admin/pathways/{ids['path']}/assign", form={"as-emails": hank.email}),
        Route("POST", f"/admin/pathways/{own_path.id}/assign", form={"as-team_ids": ids["t"]}),
        Route("GET", f"/pathways/{ids['path']}"),
        Route("POST", f"/pathways/{ids['path']}/enrol"),
        Route("GET", f"/me/learning/{ids['e']}"),
        Route("POST", f"/me/learning/{ids['e']}/steps/{ids['s2']}/done",
              form={f"s{ids['s2']}-note": "x"}),
        Route("POST", f"/me/learning/{own_enrolment.id}/steps/{ids['s']}/done",
              form={f"s{ids['s']}-note": "x"}),
        Route("POST", f"/learning/completions/{ids['c']}/verify"),
        Route("GET", f"/learning/completions/{ids['c']}/certificate"),
        Route("GET", f"/me/career/{ids['r']}"),
        Route("GET", f"/me/recommendations?role_id={ids['r']}"),
    ]
    assert_foreign_404(client, routes)
    api = app.test_client()  # no session cookie: the bearer token alone
    routes = [
        Route("GET", f"/api/v1/offerings/{ids['o']}", headers=bearer),
        Route("PATCH", f"/api/v1/offerings/{ids['o']}", json={"title": "Stolen"}, headers=bearer),
        Route("POST", "/api/v1/offerings", json={"title": "X", "type": "course", "price_minor": 1,
                                                 "duration_hours": 1, "provider_id": ids["p"]},
              headers=bearer),
        Route("POST", "/api/v1/offerings", json={
            "title": "X", "type": "course", "price_minor": 1, "duration_hours": 1,
            "capabilities": [{"capability_id": ids["cap"], "from_level": 1, "to_level": 2}]},
              headers=bearer),
        Route("GET", f"/api/v1/pathways/{ids['path']}", headers=bearer),
        Route("POST", f"/api/v1/pathways/{ids['path']}/enrolments",
              json={"employee_id": hank.id}, headers=bearer),
        Route("POST", f"/api/v1/pathways/{own_path.id}/enrolments",
              json={"employee_id": ids["u"]}, headers=bearer),
        Route("POST", f"/api/v1/pathways/{own_path.id}/enrolments",
              json={"team_ids": [ids["t"]]}, headers=bearer),
        Route("POST", f"/api/v1/enrolments/{ids['e']}/steps/{ids['s2']}/complete", json={},
              headers=bearer),
        Route("POST", f"/api/v1/enrolments/{own_enrolment.id}/steps/{ids['s']}/complete",
              json={}, headers=bearer),
        Route("GET", f"/api/v1/employees/{ids['u']}/recommendations", headers=bearer),
        Route("GET", f"/api/v1/employees/{hank.id}/recommendations?role_id={ids['r']}",
              headers=bearer),
        Route("POST", "/api/v1/pathways", json={"title": "X", "target_role_id": ids["r"]},
              headers=bearer),
    ]
    assert_foreign_404(api, routes)
