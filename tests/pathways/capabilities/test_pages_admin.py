"""Admin pages: scales, frameworks, capabilities, the import preview, roles and the matrix."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import PendingImport
from pathways.capabilities import roles
from pathways.capabilities.models import Capability, CareerMove, Framework, Role, RoleAssignment, Scale
from tests.conftest import PASSWORD


def admin_of(make_company, make_user, auth):
    acme = make_company()
    hr = make_user(acme, roles=("admin", "employee"))
    auth.login(hr)
    return acme, hr


def test_admin_creates_a_scale_a_framework_and_a_capability(client, auth, make_company,
                                                            make_user):
    admin_of(make_company, make_user, auth)
    assert b"No framework yet" in client.get("/frameworks").data
    r = client.post("/frameworks", data={"scale-name": "Five", "scale-levels":
                                         "Aware: basics\nWorking\nPractitioner\nAdvanced\nExpert"})
    assert r.status_code == 302
    scale = db.session.scalar(select(Scale))
    assert [lv.name for lv in scale.levels][:2] == ["Aware", "Working"]
    r = client.post("/frameworks", data={"fw-name": "Engineering", "fw-scale_id": scale.id})
    fw = db.session.scalar(select(Framework))
    assert r.headers["Location"].endswith(f"/frameworks/{fw.id}")
    r = client.post(f"/frameworks/{fw.id}", data={"category": "Craft", "name": "Testing",
                                                  "descriptors": "Runs tests\n\nDesigns"})
    assert r.status_code == 302
    cap = db.session.scalar(select(Capability))
    assert cap.descriptors == {"1": "Runs tests", "3": "Designs"}
    page = client.get(f"/frameworks/{fw.id}?q=test")
    assert b"Testing" in page.data
    # Same name again in the same category: the error sits next to the field.
    r = client.post(f"/frameworks/{fw.id}", data={"category": "Craft", "name": "Testing"})
    assert r.status_code == 200 and b"already exists in this category" in r.data
    r = client.post(f"/capabilities/{cap.id}/retire")
    assert db.session.get(Capability, cap.id).retired
    client.get(f"/frameworks/{fw.id}")  # shows the flash once
    assert b">Testing</a>" not in client.get(f"/frameworks/{fw.id}").data
    assert b">Testing</a>" in client.get(f"/frameworks/{fw.id}?retired=1").data


def test_import_previews_then_imports_and_exports(client, auth, make_company, make_user):
    admin_of(make_company, make_user, auth)
    csv = b"category,name,description,external_id\nCraft,Testing,,T1\nCraft,,,T2\n"
    r = client.post("/frameworks/import", data={"file": (io.BytesIO(csv), "skills.csv"),
                                                "framework": "Eng"})
    pending = db.session.scalar(select(PendingImport))
    assert pending.kind == "framework" and r.headers["Location"].endswith(f"/{pending.id}")
    page = client.get(f"/frameworks/import/{pending.id}")
    assert b"1 problem" in page.data and b"Name is missing." in page.data
    client.post(f"/frameworks/import/{pending.id}")
    assert db.session.scalar(select(func.count(Capability.id))) == 0
    good = b"category,name,description,external_id\nCraft,Testing,,T1\n"
    client.post("/frameworks/import", data={"file": (io.BytesIO(good), "s.csv"),
                                            "framework": "Eng"})
    pending = db.session.scalar(select(PendingImport).order_by(PendingImport.id.desc()))
    assert b"Ready to import 1 capabilities" in client.get(f"/frameworks/import/{pending.id}").data
    r = client.post(f"/frameworks/import/{pending.id}")
    fw = db.session.scalar(select(Framework))
    assert r.headers["Location"].endswith(f"/frameworks/{fw.id}")
    exported = client.get(f"/frameworks/{fw.id}/export.csv")
    assert exported.mimetype == "text/csv" and b"Craft,Testing,,T1" in exported.data
    assert client.get(f"/frameworks/{fw.id}/export.json").get_json()["framework"]["name"] == "Eng"


def test_change_scale_maps_levels(client, auth, make_company, make_user, make_capability,
                                  make_role):
    acme, hr = admin_of(make_company, make_user, auth)
    cap = make_capability(acme, "Testing")
    role = make_role(acme, "Engineer", {cap: 4})
    from pathways.capabilities import frameworks

    seven = frameworks.create_scale(hr, "Seven", [frameworks.LevelData(i, f"S{i}")
                                                  for i in range(1, 8)])
    db.session.commit()
    page = client.post(f"/frameworks/{cap.framework_id}/scale", data={"scale_id": seven.id})
    assert b"Map each level" in page.data
    mapping = {f"map-{i}": i + 2 for i in range(1, 6)}
    r = client.post(f"/frameworks/{cap.framework_id}/scale",
                    data={"scale_id": seven.id} | mapping)
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Role, role.id).requirements[0].level == 6


def test_roles_requirements_moves_copy_matrix_and_assignment(client, auth, make_company,
                                                             make_user, make_capability):
    acme, _hr = admin_of(make_company, make_user, auth)
    testing = make_capability(acme, "Testing")
    design = make_capability(acme, "Design")
    client.post("/roles", data={"title": "Engineer", "family": "Engineering", "seniority": 2})
    client.post("/roles", data={"title": "Senior", "family": "Engineering", "seniority": 3})
    eng, senior = db.session.scalars(select(Role).order_by(Role.id)).all()
    assert b"Design" in client.get(f"/roles/{eng.id}?q=des").data
    client.post(f"/roles/{eng.id}/requirements", data={f"lvl-{testing.id}": 3,
                                                       f"wt-{testing.id}": 2})
    client.post(f"/roles/{eng.id}/requirements", data={f"lvl-{design.id}": 2})
    db.session.expire_all()
    assert {(r.capability_id, r.level, r.weight) for r in eng.requirements} == {
        (testing.id, 3, 2), (design.id, 2, 1)}
    client.post(f"/roles/{eng.id}/moves", data={"to_role_id": senior.id})
    assert db.session.scalar(select(CareerMove.to_role_id)) == senior.id
    client.post(f"/roles/{eng.id}/copy", data={"title": "Engineer (contract)"})
    copy = db.session.scalar(select(Role).where(Role.title == "Engineer (contract)"))
    assert len(copy.requirements) == 2
    page = client.get("/roles/matrix")
    assert page.status_code == 200 and f'name="r{senior.id}-c{testing.id}"'.encode() in page.data
    client.post("/roles/matrix", data={f"r{senior.id}-c{testing.id}": 4,
                                       f"r{senior.id}-c{design.id}": 3,
                                       f"r{eng.id}-c{design.id}": 0,
                                       f"r{eng.id}-c{testing.id}": 3})
    db.session.expire_all()
    assert {(r.capability_id, r.level) for r in senior.requirements} == {
        (testing.id, 4), (design.id, 3)}
    assert [(r.capability_id, r.weight) for r in eng.requirements] == [(testing.id, 2)]
    ada = make_user(acme, name="Ada Lovelace")
    assert b"Ada Lovelace" in client.get("/roles/people?missing=1").data
    client.post(f"/roles/people/{ada.id}", data={"role_id": eng.id, "next": "/roles/people"})
    assert db.session.get(RoleAssignment, ada.id).role_id == eng.id
    client.get("/roles/people")  # shows the flash once
    assert b'<th scope="row">Ada Lovelace' not in client.get("/roles/people?missing=1").data
    assert b"1 active person has no role" in client.get("/roles").data


def test_admin_pages_are_for_admins_only(client, auth, make_company, make_user,
                                         make_capability, make_role):
    acme = make_company()
    cap = make_capability(acme)
    role = make_role(acme)
    auth.login(make_user(acme, roles=("employee", "manager", "executive")))
    for url in ("/frameworks", f"/frameworks/{cap.framework_id}", "/frameworks/import",
                f"/capabilities/{cap.id}/edit", "/roles", f"/roles/{role.id}", "/roles/matrix",
                "/roles/people"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}], ids=["csrf"])
def test_role_page_lists_career_moves_each_with_a_remove_button(client, make_company, make_user,
                                                                make_role):
    """A role with career moves renders (a lost `post_button` macro made it a 500), and its
    Remove buttons are real forms: one CSRF token each, no duplicate ids, and they work."""
    acme = make_company()
    hr = make_user(acme, roles=("admin", "employee"))
    engineer, senior, lead = (make_role(acme, t) for t in ("Engineer", "Senior Engineer", "Lead"))
    moves = {t.title: roles.add_move(hr, engineer, t).id for t in (senior, lead)}
    db.session.commit()
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": hr.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/roles/{engineer.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<a href="/roles/{senior.id}">Senior Engineer</a>' in html
    removes = re.findall(r'<form method="post" action="/roles/moves/(\d+)/delete" '
                         r'class="post-button">(.*?)</form>', html, re.S)
    assert sorted(int(i) for i, _ in removes) == sorted(moves.values())
    assert all("the move to" in body and 'id="csrf_token"' not in body for _, body in removes)
    assert client.post(f"/roles/moves/{moves['Lead']}/delete",
                       data={"csrf_token": _csrf(removes[0][1])}).status_code == 302
    assert db.session.scalars(select(CareerMove.to_role_id)).all() == [senior.id]
    after = client.get(f"/roles/{engineer.id}").get_data(as_text=True)
    assert "Career move removed." in after and f'/roles/moves/{moves["Lead"]}/' not in after


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)
