"""The ideas board: anyone proposes, others vote once (changeable) and comment, L&D answers
planned, added (with what it became) or declined (with why)."""

from __future__ import annotations

import pytest

from app.errors import PermissionDenied, ValidationError
from pathways.community import ideas

from .conftest import ids


def test_propose_vote_and_answer_over_the_api(admin, ada, bob, python, api_as):
    r = api_as(ada).post("/api/v1/ideas", json={"title": "Rust basics", "why": "Safer firmware",
                                                 "capability_id": python.id})
    assert r.status_code == 201
    idea_id = r.get_json()["id"]
    bob_api = api_as(bob)
    assert bob_api.post(f"/api/v1/ideas/{idea_id}/votes", json={"value": 1}).get_json()["score"] == 1
    assert bob_api.post(f"/api/v1/ideas/{idea_id}/votes", json={"value": 1}).get_json()["score"] == 1
    assert api_as(ada).post(f"/api/v1/ideas/{idea_id}/status",
                            json={"status": "planned"}).status_code == 403
    r = api_as(admin).post(f"/api/v1/ideas/{idea_id}/status", json={"status": "declined"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "response"
    r = api_as(admin).post(f"/api/v1/ideas/{idea_id}/status", json={"status": "planned",
                                                                    "response": "In Q3"})
    assert r.get_json()["status"] == "planned"
    assert idea_id in ids(api_as(bob).get("/api/v1/ideas?status=planned"))
    assert idea_id not in ids(api_as(bob).get("/api/v1/ideas?status=open"))


def test_added_needs_what_it_became(admin, ada):
    idea = ideas.propose(ada, "Rust", "Because")
    with pytest.raises(ValidationError, match="offering or pathway"):
        ideas.answer(admin, idea, "added")


def test_only_admins_answer(ada, bob):
    idea = ideas.propose(ada, "Rust", "Because")
    with pytest.raises(PermissionDenied):
        ideas.answer(bob, idea, "planned")


def test_board_and_idea_pages(admin, ada, bob, auth, client):
    auth.login(ada)
    r = client.post("/ideas", data={"title": "<script>x</script> Go", "why": "*Fast*"})
    assert r.status_code == 302
    idea_url = r.headers["Location"]
    client.post(idea_url + "/comments", data={"body": "Yes please"})
    page = client.get(idea_url).get_data(as_text=True)
    assert "<em>Fast</em>" in page and "Yes please" in page and "<script>x" not in page
    auth.logout()
    auth.login(admin)
    client.post(idea_url + "/answer", data={"status": "declined", "response": "Covered by Go 101"})
    assert "Covered by Go 101" in client.get(idea_url).get_data(as_text=True)
    assert "Declined" in client.get("/ideas?status=declined").get_data(as_text=True)
