"""The community pages render for members and outsiders: the directory (and by capability), the
community page with its experts and the reason, proposing through the form, members, settings."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from pathways.community.models import Community


def test_directory_and_page_show_the_community(ada, bob, python, make_community, auth, client):
    c = make_community(ada, capabilities=[python], members=(bob,))
    auth.login(bob)
    listing = client.get("/communities").get_data(as_text=True)
    assert "Pythonistas" in listing and "2 members" in listing
    by_cap = client.get(f"/communities?capability={python.id}").get_data(as_text=True)
    assert "Pythonistas" in by_cap
    page = client.get(f"/communities/{c.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ask a question" in text and "Leave" in text
    assert client.get(f"/communities/{c.id}/members").status_code == 200


def test_experts_reach_the_highest_role_target(ada, bob, python, make_community, make_role,
                                               evidence, auth, client):
    make_role(ada.company, "Engineer", requires={python: 3})
    make_role(ada.company, "Staff Engineer", requires={python: 4})
    c = make_community(ada, capabilities=[python], members=(bob,))
    evidence(bob, python, 4)
    evidence(ada, python, 3)
    auth.login(ada)
    text = client.get(f"/communities/{c.id}").get_data(as_text=True)
    assert ("Level 4 in Python, at or above the highest target any role sets (level 4, for "
            "Staff Engineer).") in text
    assert "Level 3 in Python" not in text


def test_propose_through_the_form(ada, python, auth, client):
    auth.login(ada)
    assert client.get(f"/communities/new?capability={python.id}").status_code == 200
    r = client.post("/communities/new", data={"name": "Py people", "capability_ids": [python.id],
                                              "visibility": "open", "description": "Hi"})
    assert r.status_code == 302
    c = db.session.scalar(select(Community).where(Community.name == "Py people"))
    assert c is not None and [cap.id for cap in c.capabilities] == [python.id]


def test_propose_with_neither_capability_nor_topic_says_so(ada, auth, client, fingerprint):
    auth.login(ada)
    client.get("/communities/new")
    before = fingerprint()
    r = client.post("/communities/new", data={"name": "Empty", "visibility": "open"})
    assert r.status_code == 200 and "Name the capabilities it is about" in r.get_data(as_text=True)
    assert fingerprint() == before


def test_my_capabilities_links_to_communities(ada, python, make_role, assign, auth, client):
    role = make_role(ada.company, "Engineer", requires={python: 3})
    assign(ada, role)
    auth.login(ada)
    text = client.get("/me/capabilities").get_data(as_text=True)
    assert f'/communities?capability={python.id}' in text


def test_settings_are_for_admins(admin, ada, auth, client):
    auth.login(ada)
    assert client.get("/communities/settings").status_code == 403
    auth.logout()
    auth.login(admin)
    assert client.get("/communities/settings").status_code == 200
    client.post("/communities/settings", data={"require_approval": "y"})
    from pathways.community.communities import settings_of
    assert settings_of(admin.company_id).require_approval


def test_request_admit_through_the_pages(ada, bob, make_community, auth, client):
    c = make_community(ada, visibility="request")
    auth.login(bob)
    client.post(f"/communities/{c.id}/join")
    assert "an owner will admit you" in client.get(f"/communities/{c.id}").get_data(as_text=True)
    auth.logout()
    auth.login(ada)
    assert "Asking to join" in client.get(f"/communities/{c.id}/members").get_data(as_text=True)
    client.post(f"/communities/{c.id}/members", data={"user_id": bob.id})
    from pathways.community.communities import is_member
    assert is_member(bob, c)
