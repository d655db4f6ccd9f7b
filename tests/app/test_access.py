"""The one access policy as a role × relation matrix (PRODUCT.md's rules)."""

from __future__ import annotations

from typing import Any

import pytest

from app import access
from app.extensions import db
from app.models import User

# relation of the person to the actor -> (see, manage, approve_for, manager rating)
EXPECTED: dict[tuple[str, str], tuple[bool, bool, bool, bool]] = {
    ("admin", "self"): (True, True, False, False),
    ("admin", "report"): (True, True, True, True),
    ("admin", "colleague"): (True, True, True, False),
    ("admin", "foreign"): (False, False, False, False),
    ("executive", "self"): (True, False, False, False),
    ("executive", "report"): (True, False, True, True),
    ("executive", "colleague"): (True, False, False, False),
    ("executive", "foreign"): (False, False, False, False),
    ("manager", "self"): (True, False, False, False),
    ("manager", "report"): (True, False, True, True),
    ("manager", "colleague"): (False, False, False, False),
    ("manager", "foreign"): (False, False, False, False),
    ("employee", "self"): (True, False, False, False),
    ("employee", "report"): (True, False, True, True),  # a line manager without the role
    ("employee", "colleague"): (False, False, False, False),
    ("employee", "foreign"): (False, False, False, False),
}


@pytest.fixture
def people(make_company: Any, make_user: Any) -> dict[str, Any]:
    acme, globex = make_company(), make_company()
    actors = {role: make_user(acme, roles=(role,)) for role in
              ("admin", "executive", "manager", "employee")}
    return {"acme": acme, "globex": globex, "actors": actors,
            "colleague": make_user(acme), "foreign": make_user(globex),
            "reports": {role: make_user(acme, manager=actor) for role, actor in actors.items()}}


def _person(people: dict[str, Any], role: str, relation: str) -> User:
    actor = people["actors"][role]
    return {"self": actor, "report": people["reports"][role], "colleague": people["colleague"],
            "foreign": people["foreign"]}[relation]


@pytest.mark.parametrize(("role", "relation"), sorted(EXPECTED))
def test_the_policy_matrix(people: dict[str, Any], role: str, relation: str) -> None:
    actor, person = people["actors"][role], _person(people, role, relation)
    got = (access.may_see(actor, person), access.may_manage(actor, person),
           access.may_approve_for(actor, person),
           access.may_rate(actor, person, access.MANAGER))
    assert got == EXPECTED[(role, relation)]


@pytest.mark.parametrize(("role", "relation"), sorted(EXPECTED))
def test_the_sql_conditions_agree_with_the_policy(people: dict[str, Any], role: str,
                                                  relation: str) -> None:
    actor, person = people["actors"][role], _person(people, role, relation)
    seen = db.session.scalar(db.select(User.id).where(User.id == person.id,
                                                      access.visible_people(actor)))
    approvable = db.session.scalar(db.select(User.id).where(User.id == person.id,
                                                            access.approvable_people(actor)))
    assert (seen is not None) == access.may_see(actor, person)
    assert (approvable is not None) == access.may_approve_for(actor, person)


def test_a_peer_rating_needs_an_open_request_and_is_never_of_oneself(people: dict[str, Any]
                                                                     ) -> None:
    actor, colleague = people["actors"]["employee"], people["colleague"]
    assert not access.may_rate(actor, colleague, access.PEER)
    assert access.may_rate(actor, colleague, access.PEER, invited=True)
    assert not access.may_rate(actor, actor, access.PEER, invited=True)
    assert not access.may_rate(actor, people["foreign"], access.PEER, invited=True)
    assert "has not asked you" in access.rating_refusal(actor, colleague, access.PEER)


def test_self_assessment_is_only_ones_own(people: dict[str, Any]) -> None:
    admin, employee = people["actors"]["admin"], people["actors"]["employee"]
    assert access.may_rate(employee, employee, access.SELF)
    assert not access.may_rate(admin, employee, access.SELF)
