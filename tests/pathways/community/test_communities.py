"""Communities: proposing (with and without approval), joining by visibility, private ones
invisible to non-members, owners admitting and inviting, the last owner staying."""

from __future__ import annotations

import pytest

from app.errors import Conflict, PermissionDenied
from app.extensions import db
from pathways.community import communities
from pathways.community.communities import CommunityData
from pathways.community.models import CommunityStatus

from .conftest import ids


def test_open_community_anyone_joins(ada, bob, make_community):
    c = make_community(ada)
    assert communities.is_owner(ada, c)
    m = communities.join(bob, c)
    assert m.status == "member" and communities.member_count(c) == 2


def test_by_request_waits_for_an_owner(ada, bob, make_community):
    c = make_community(ada, visibility="request")
    assert communities.join(bob, c).status == "requested"
    assert not communities.may_read(bob, c)
    communities.add_member(ada, c, bob.id)
    assert communities.is_member(bob, c) and communities.may_read(bob, c)


def test_only_owners_admit(ada, bob, cy, make_community):
    c = make_community(ada, visibility="request")
    communities.join(bob, c)
    with pytest.raises(PermissionDenied):
        communities.add_member(cy, c, bob.id)


def test_private_is_invisible_until_invited(ada, bob, cy, make_community, api_as):
    c = make_community(ada, visibility="private", name="Secret club")
    assert not communities.may_view(bob, c)
    api = api_as(bob)
    assert api.get(f"/api/v1/communities/{c.id}").status_code == 404
    assert c.id not in ids(api.get("/api/v1/communities"))
    assert api.post(f"/api/v1/communities/{c.id}/members", json={}).status_code == 404
    communities.add_member(ada, c, bob.id)
    db.session.commit()
    assert communities.may_view(bob, c) and not communities.may_read(bob, c)
    assert api.post(f"/api/v1/communities/{c.id}/members", json={}).get_json()["status"] == "member"
    assert c.id in ids(api.get("/api/v1/communities"))
    assert c.id not in ids(api_as(cy).get("/api/v1/communities"))


def test_private_community_page_is_404_to_admins_outside_it(ada, admin, make_community, auth, client):
    c = make_community(ada, visibility="private", name="Secret club")
    auth.login(admin)
    assert client.get(f"/communities/{c.id}").status_code == 404
    assert "Secret club" not in client.get("/communities").get_data(as_text=True)


def test_approval_setting_holds_proposals(admin, ada, bob, auth, client):
    communities.save_settings(admin, True)
    c = communities.propose(ada, CommunityData("Robots", "", "Robots"))
    db.session.commit()
    assert c.status == CommunityStatus.PENDING.value
    assert communities.may_view(ada, c) and communities.may_view(admin, c)
    assert not communities.may_view(bob, c)
    with pytest.raises(PermissionDenied):
        communities.join(bob, c)
    auth.login(admin)
    page = client.get("/communities/settings").get_data(as_text=True)
    assert "Robots" in page
    client.post(f"/communities/{c.id}/decide", data={"approve": "1", "reason": ""})
    db.session.refresh(c)
    assert c.active and communities.may_view(bob, c)


def test_declining_needs_a_reason(admin, ada):
    communities.save_settings(admin, True)
    c = communities.propose(ada, CommunityData("Robots", "", "Robots"))
    with pytest.raises(Exception, match="why"):
        communities.decide(admin, c, False, "")
    communities.decide(admin, c, False, "We have one already.")
    assert c.status == "declined"


def test_admin_proposals_skip_approval(admin):
    communities.save_settings(admin, True)
    assert communities.propose(admin, CommunityData("Ops", "", "Operations")).active


def test_needs_capabilities_or_a_topic(ada):
    with pytest.raises(Exception, match="capabilities it is about"):
        communities.propose(ada, CommunityData("Nothing", "", None, "open", []))


def test_last_owner_cannot_leave_a_lively_community(ada, bob, make_community):
    c = make_community(ada, members=(bob,))
    with pytest.raises(Conflict):
        communities.remove_member(ada, c, ada.id)
    communities.set_owner(ada, c, bob.id, True)
    communities.remove_member(ada, c, ada.id)
    assert not communities.is_member(ada, c)


def test_api_create_patch_and_leave(ada, bob, python, api_as):
    api = api_as(ada)
    r = api.post("/api/v1/communities", json={"name": "Py", "capability_ids": [python.id],
                                               "visibility": "request"})
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert r.get_json()["i_own"] and r.get_json()["capabilities"] == [
        {"id": python.id, "name": "Python"}]
    r = api.patch(f"/api/v1/communities/{cid}", json={"visibility": "open"})
    assert r.get_json()["visibility"] == "open"
    assert api_as(bob).patch(f"/api/v1/communities/{cid}", json={"name": "X"}).status_code == 403
    bob_api = api_as(bob)
    assert bob_api.post(f"/api/v1/communities/{cid}/members").status_code == 201
    assert bob_api.delete(f"/api/v1/communities/{cid}/members/{bob.id}").status_code == 204
    assert api.get(f"/api/v1/communities/{cid}").get_json()["member_count"] == 1


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "x" * 121}, "name"),
    ({"name": "A", "visibility": "secret"}, "visibility"),
    ({"name": "A", "capability_ids": [0]}, "capability_ids"),
    ({"name": "A", "capability_ids": [999]}, "capability_ids"),
])
def test_api_refuses_bad_bodies(ada, api_as, fingerprint, body, field):
    api = api_as(ada)
    api.get("/api/v1/me")  # the token's first use is recorded before the fingerprint
    before = fingerprint()
    r = api.post("/api/v1/communities", json=body)
    assert r.status_code in (400, 422) and r.get_json()["error"]["field"] == field
    assert fingerprint() == before
