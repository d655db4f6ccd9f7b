"""Tenant isolation: a company's SCIM token never reads or changes another company's people or
teams (their ids are 404), and revoked or missing tokens are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company, User
from app.scim import tokens
from tests.app.scim.conftest import Scim, new_user


@pytest.fixture
def two(scim: Scim, make_company: Callable[..., Company], make_user: Callable[..., User],
        make_scim: Callable[[User], Scim]) -> tuple[Scim, Scim, str, str]:
    other_admin = make_user(make_company(name="Globex", slug="globex"), roles=("admin",))
    other = make_scim(other_admin)
    theirs = other.post("/Users", new_user("bob@globex.test")).json["id"]
    team = other.post("/Groups", {"displayName": "Secret team"}).json["id"]
    return scim, other, theirs, team


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_another_companys_user_and_group_are_404(two: tuple[Scim, Scim, str, str], method: str,
                                                 fingerprint) -> None:  # type: ignore[no-untyped-def]
    mine, _other, their_user, their_team = two
    before = fingerprint()
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]} if method == "PATCH" \
        else new_user("bob@globex.test")
    for path in (f"/Users/{their_user}", f"/Groups/{their_team}"):
        response = mine.call(method, path, body if method in ("PUT", "PATCH") else None)
        assert response.status_code == 404, path
        assert response.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert fingerprint() == before


def test_lists_and_filters_stay_in_the_company(two: tuple[Scim, Scim, str, str]) -> None:
    mine, _other, their_user, _team = two
    assert mine.get('/Users?filter=userName eq "bob@globex.test"').json["totalResults"] == 0
    assert their_user not in [u["id"] for u in mine.get("/Users").json["Resources"]]
    assert mine.get("/Groups").json["totalResults"] == 0
    # A group of mine cannot pull their person in.
    group = mine.post("/Groups", {"displayName": "Mine", "members": [{"value": their_user}]})
    assert group.status_code == 201 and "members" not in group.json


def test_missing_wrong_and_revoked_tokens_are_refused(app: Flask, scim: Scim,
                                                      scim_company: tuple[Company, User]) -> None:
    assert scim.client.get("/scim/v2/Users").status_code == 401
    assert Scim(scim.client, "scim_wrong").get("/Users").status_code == 401
    token = tokens.of_company(scim_company[0].id)[0]
    tokens.revoke(scim_company[1], token.id)
    db.session.commit()
    refused = scim.get("/Users")
    assert refused.status_code == 401 and "revoked" in refused.json["detail"]
