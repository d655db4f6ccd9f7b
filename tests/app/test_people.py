"""Admins manage people and nested teams; every change lands in the audit log."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEntry, Team, User

from ..conftest import PASSWORD


@pytest.fixture
def acme(make_company):
    return make_company(name="Acme", slug="acme")


@pytest.fixture
def admin(acme, make_user, client):
    user = make_user(acme, roles=("admin", "employee"), name="Harriet Admin")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return user


@pytest.mark.parametrize("roles", [("employee",), ("manager",), ("executive",)])
def test_only_admins_reach_people_pages(client, auth, acme, make_user, roles):
    auth.login(make_user(acme, roles=roles))
    for url in ("/people", "/people/new", "/teams", "/people/import", "/admin/audit"):
        assert client.get(url).status_code == 403, url


def test_navigation_shows_only_what_the_role_may_use(client, auth, acme, make_user):
    auth.login(make_user(acme, roles=("employee",)))
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/people"' not in home and 'href="/account/tokens"' in home


def test_add_person_with_team_manager_and_roles(client, admin, acme, make_team, make_user):
    team = make_team(acme, "Robotics")
    boss = make_user(acme, roles=("manager",), email="boss@acme.test")
    response = client.post("/people/new", data={
        "name": "Grace Hopper", "email": "Grace@Acme.test", "job_title": "Engineer",
        "team_id": str(team.id), "manager_email": "boss@acme.test",
        "access_roles": ["employee", "manager"], "start_date": "2026-02-01"})
    assert response.status_code == 302
    grace = db.session.query(User).filter_by(email="grace@acme.test").one()
    assert (grace.team_id, grace.manager_id, grace.access_roles) == (
        team.id, boss.id, ["employee", "manager"])
    entry = db.session.query(AuditEntry).filter_by(action="user.create").one()
    assert entry.actor_id == admin.id and entry.object_id == grace.id


def test_add_person_errors_are_shown_next_to_the_field(client, admin, acme, make_user):
    make_user(acme, email="taken@acme.test")
    page = client.post("/people/new", data={"name": "X", "email": "taken@acme.test",
                                            "access_roles": ["employee"]}).get_data(as_text=True)
    assert "Someone in Acme already uses taken@acme.test." in page
    page = client.post("/people/new", data={"name": "X", "email": "x@acme.test",
                                            "manager_email": "ghost@acme.test",
                                            "access_roles": ["employee"]}).get_data(as_text=True)
    assert "Nobody in Acme has the e-mail ghost@acme.test." in page
    assert db.session.query(User).filter_by(email="x@acme.test").count() == 0


def test_manager_from_another_company_is_refused(client, admin, acme, make_company, make_user):
    outsider = make_user(make_company(), email="outsider@globex.test")
    page = client.post("/people/new", data={"name": "X", "email": "x@acme.test",
                                            "manager_email": outsider.email,
                                            "access_roles": ["employee"]}).get_data(as_text=True)
    assert "Nobody in Acme has the e-mail outsider@globex.test." in page


def test_edit_refuses_a_management_cycle(client, admin, acme, make_user):
    boss = make_user(acme, email="boss@acme.test")
    report = make_user(acme, email="report@acme.test", manager=boss)
    page = client.post(f"/people/{boss.id}/edit", data={
        "name": boss.name, "email": boss.email, "manager_email": report.email,
        "access_roles": ["employee"]}).get_data(as_text=True)
    assert "management cycle" in page
    db.session.refresh(boss)
    assert boss.manager_id is None


def test_edit_records_what_changed(client, admin, acme, make_user):
    ada = make_user(acme, name="Ada", job_title="Analyst")
    client.post(f"/people/{ada.id}/edit", data={"name": "Ada", "email": ada.email,
                                                "job_title": "Senior Analyst",
                                                "access_roles": ["employee"]})
    entry = db.session.query(AuditEntry).filter_by(action="user.update").one()
    assert entry.changes == {"job_title": ["Analyst", "Senior Analyst"]}
    assert "Senior Analyst" in client.get(f"/people/{ada.id}").get_data(as_text=True)


def test_deactivated_person_keeps_history_and_cannot_sign_in(app, client, admin, acme, make_user):
    ada = make_user(acme)
    other = app.test_client()
    other.post("/login", data={"email": ada.email, "password": PASSWORD})
    assert client.post(f"/people/{ada.id}/deactivate").status_code == 302
    db.session.refresh(ada)
    assert ada.status == "left" and ada.left_on is not None
    assert other.get("/home").status_code == 302  # their open session ends too
    assert app.test_client().post("/login", data={"email": ada.email,
                                                  "password": PASSWORD}).status_code == 200
    client.post(f"/people/{ada.id}/reactivate")
    db.session.refresh(ada)
    assert ada.status == "active"
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(object_id=ada.id)]
    assert actions == ["user.deactivate", "user.reactivate"]


def test_admin_cannot_deactivate_themselves(client, admin):
    client.post(f"/people/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.status == "active"


def test_people_list_searches_filters_and_paginates(app, client, admin, acme, make_team,
                                                    make_user):
    app.config["PER_PAGE"] = 5
    robotics = make_team(acme, "Robotics")
    for i in range(12):
        make_user(acme, name=f"Robot {i:02}", team=robotics)
    make_user(acme, name="Gone Person", status="left")
    first = client.get(f"/people?team={robotics.id}").get_data(as_text=True)
    assert "Robot 00" in first and "Robot 05" not in first and "12" in first
    third = client.get(f"/people?team={robotics.id}&page=3").get_data(as_text=True)
    assert "Robot 10" in third and "Robot 11" in third
    assert "Gone Person" in client.get("/people?status=left").get_data(as_text=True)
    found = client.get("/people?q=robot 07").get_data(as_text=True)
    assert "Robot 07" in found and "Robot 08" not in found
    admins = client.get("/people?role=admin").get_data(as_text=True)
    assert "Harriet Admin" in admins and "Robot 01" not in admins


def test_teams_nest_and_refuse_cycles(client, admin, acme):
    client.post("/teams", data={"name": "Engineering"})
    eng = db.session.query(Team).filter_by(name="Engineering").one()
    client.post("/teams", data={"name": "Platform", "parent_id": str(eng.id)})
    platform = db.session.query(Team).filter_by(name="Platform").one()
    assert platform.parent_id == eng.id
    page = client.post(f"/teams/{eng.id}/edit", data={
        "name": "Engineering", "parent_id": str(platform.id)}).get_data(as_text=True)
    assert "cannot sit inside itself" in page
    page = client.post("/teams", data={"name": "Platform"}).get_data(as_text=True)
    assert "There is already a team called Platform." in page


def test_team_with_people_cannot_be_deleted(client, admin, acme, make_team, make_user):
    team = make_team(acme, "Data")
    make_user(acme, team=team)
    client.post(f"/teams/{team.id}/delete")
    assert db.session.get(Team, team.id) is not None
    empty = make_team(acme, "Empty")
    client.post(f"/teams/{empty.id}/delete")
    assert db.session.get(Team, empty.id) is None


def test_manager_home_lists_their_reports(client, auth, acme, make_user):
    boss = make_user(acme, roles=("manager", "employee"))
    make_user(acme, name="Direct Report", manager=boss)
    make_user(acme, name="Someone Else")
    auth.login(boss)
    page = client.get("/home").get_data(as_text=True)
    assert "Direct Report" in page and "Someone Else" not in page


def test_audit_log_is_scoped_to_the_company(client, admin, acme, make_company, make_user):
    globex_admin = make_user(make_company(name="Globex"), roles=("admin",))
    from app.audit import record

    record(globex_admin, globex_admin.company_id, "secret.thing", "user", None, "Globex secret")
    db.session.commit()
    assert "Globex secret" not in client.get("/admin/audit").get_data(as_text=True)


def test_admin_pages_sit_in_their_own_strip(client, admin):
    home = client.get("/home").get_data(as_text=True)
    strip = home.split('aria-label="Administration"', 1)[1].split("</nav>", 1)[0]
    main = home.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/people"' in strip and 'href="/people"' not in main
    assert 'href="/home"' in main


def test_an_address_used_in_another_company_is_free_here(client, admin, acme, make_company,
                                                         make_user):
    # Saying "already uses" here would tell one company's admin who works at another.
    make_user(make_company(name="Globex"), email="sam@consult.test", name="Sam at Globex")
    response = client.post("/people/new", data={"name": "Sam", "email": "Sam@Consult.test",
                                                "access_roles": ["employee"]})
    assert response.status_code == 302
    sam = db.session.scalar(db.select(User).where(User.company_id == acme.id,
                                                  User.email == "sam@consult.test"))
    page = client.get(f"/people/{sam.id}/edit").get_data(as_text=True)
    assert "Globex" not in page
    edited = client.post(f"/people/{admin.id}/edit", data={
        "name": admin.name, "email": "sam@consult.test", "access_roles": ["admin", "employee"]})
    assert "Someone in Acme already uses sam@consult.test." in edited.get_data(as_text=True)
