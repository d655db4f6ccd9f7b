"""A recorded set of the requests Entra ID's provisioning service sends (capitalised ops, string
booleans, URN-qualified paths, no-path replaces), and what each must do to the person in Trellis."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Team, User
from tests.app.scim.conftest import Scim, new_user

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _person(email: str) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == email)).one()


def test_entra_provisioning_cycle(scim: Scim) -> None:
    # Entra first looks the person up by userName, finds nobody, creates them.
    found = scim.get('/Users?filter=userName eq "ada@initech.test"')
    assert found.status_code == 200 and found.json["totalResults"] == 0
    created = scim.post("/Users", new_user(externalId="0a1b", title="Engineer", **{
        ENT: {"department": "Robotics"}}))
    assert created.status_code == 201, created.json
    assert created.headers["Content-Type"].startswith("application/scim+json")
    ada = _person("ada@initech.test")
    assert (ada.name, ada.job_title, ada.team.name) == ("Ada Lovelace", "Engineer", "Robotics")
    boss = scim.post("/Users", new_user("grace@initech.test", name={"formatted": "Grace Hopper"})).json

    uid = created.json["id"]
    response = scim.patch(f"/Users/{uid}", [
        {"op": "Replace", "path": "title", "value": "Senior Engineer"},
        {"op": "Add", "path": f"{ENT}:manager", "value": boss["id"]},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada.l@initech.test"},
        {"op": "Replace", "value": {"displayName": "Ada King", "name.givenName": "Ada"}},
    ])
    assert response.status_code == 200, response.json
    ada = _person("ada.l@initech.test")
    assert (ada.name, ada.job_title, ada.manager_id) == ("Ada King", "Senior Engineer", int(boss["id"]))

    # Entra disables the account with a string boolean: the person leaves as if an admin did it.
    response = scim.patch(f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": "False"}])
    assert response.status_code == 200 and response.json["active"] is False
    assert _person("ada.l@initech.test").status == "left"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"user.create", "user.update", "user.deactivate", "scim.user.create", "scim.user.patch"} <= actions


def test_entra_group_membership(scim: Scim) -> None:
    uid = scim.post("/Users", new_user()).json["id"]
    group = scim.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                  "displayName": "Platform", "externalId": "g-1"}).json
    add = scim.patch(f"/Groups/{group['id']}", [{"op": "Add", "path": "members", "value": [{"value": uid}]}])
    assert add.status_code == 200 and add.json["members"][0]["value"] == uid
    assert _person("ada@initech.test").team.name == "Platform"
    listed = scim.get('/Groups?filter=displayName eq "Platform"&excludedAttributes=members').json
    assert listed["totalResults"] == 1 and "members" not in listed["Resources"][0]
    member = scim.get(f'/Groups?filter=id eq "{group["id"]}" and members eq "{uid}"').json
    assert member["totalResults"] == 1
    remove = scim.patch(f"/Groups/{group['id']}", [{"op": "Remove", "path": "members",
                                                     "value": [{"value": uid}]}])
    assert remove.status_code == 200 and "members" not in remove.json
    assert _person("ada@initech.test").team_id is None


def test_filters_and_paging(scim: Scim) -> None:
    for n in range(3):
        scim.post("/Users", new_user(f"user{n}@initech.test"))
    assert scim.get('/Users?filter=userName sw "user"').json["totalResults"] == 3
    assert scim.get('/Users?filter=emails co "er1@" or userName eq "user2@initech.test"').json["totalResults"] == 2
    page = scim.get('/Users?filter=userName sw "user"&startIndex=2&count=1').json
    assert (page["startIndex"], page["itemsPerPage"], page["totalResults"]) == (2, 1, 3)
    only = scim.get("/Users?attributes=userName&count=1").json["Resources"][0]
    assert set(only) == {"schemas", "id", "meta", "userName"}
    bad = scim.get('/Users?filter=userName eq')
    assert bad.status_code == 400 and bad.json["scimType"] == "invalidFilter"
    unknown = scim.get('/Users?filter=nickName eq "x"')
    assert unknown.status_code == 400 and "nickName".lower() in unknown.json["detail"].lower()


def test_etags(scim: Scim) -> None:
    created = scim.post("/Users", new_user())
    uid, etag = created.json["id"], created.headers["ETag"]
    assert scim.get(f"/Users/{uid}", headers={"If-None-Match": etag}).status_code == 304
    stale = scim.patch(f"/Users/{uid}", [{"op": "replace", "path": "title", "value": "X"}],
                       headers={"If-Match": 'W/"nope"'})
    assert stale.status_code == 412
    fresh = scim.patch(f"/Users/{uid}", [{"op": "replace", "path": "title", "value": "X"}],
                       headers={"If-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_conflicts_and_bad_input_save_nothing(scim: Scim, fingerprint) -> None:  # type: ignore[no-untyped-def]
    scim.post("/Users", new_user())
    before = fingerprint()
    again = scim.post("/Users", new_user())
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"
    no_mail = scim.post("/Users", {"schemas": [], "userName": "not-an-address"})
    assert no_mail.status_code == 400 and "e-mail" in no_mail.json["detail"]
    bad_manager = scim.post("/Users", new_user("x@initech.test", **{ENT: {"manager": {"value": "999"}}}))
    assert bad_manager.status_code == 400
    assert scim.post("/Users", "nonsense").status_code == 400
    assert fingerprint() == before
    assert db.session.scalar(select(Team.id)) is None


def test_delete_deactivates_and_hides_then_reprovisions(scim: Scim) -> None:
    uid = scim.post("/Users", new_user()).json["id"]
    assert scim.delete(f"/Users/{uid}").status_code == 204
    assert scim.get(f"/Users/{uid}").status_code == 404
    assert _person("ada@initech.test").status == "left"
    back = scim.post("/Users", new_user())
    assert back.status_code == 201 and back.json["id"] == uid
    assert _person("ada@initech.test").status == "active"
