"""Redirect targets taken from a request (`next`, a form field) stay on this site: one helper
parses them, every redirect that takes one uses it, and nothing redirects to the `Referer`."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.redirects import local_target
from pathways.learning import enrolments as pathway_service
from pathways.learning.builder import StepData
from reports import runs
from tests.pathways.catalogue.conftest import make_offering  # noqa: F401
from tests.pathways.conftest import admin_of, make_capability, make_framework, make_role  # noqa: F401
from tests.pathways.learning.conftest import make_pathway  # noqa: F401

from ..conftest import PASSWORD

HOSTILE = [
    "//evil.example", "///evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r\nSet-Cookie: a=b", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "https://evil.example/", "http:evil.example", "javascript:alert(1)", "evil.example",
    " //evil.example", "\x00/home", "/home\x7f", "", None, "/" + "a" * 2100,
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert local_target(target) is None


@pytest.mark.parametrize("target", [
    "/home", "/account/tokens?page=2", "/me/learning/3#step-4", "/roles/people?q=Ada+Lovelace",
    "/people/Zo%C3%AB", "/a:b",
])
def test_paths_of_this_site_are_kept(target):
    assert local_target(target) == target


def _sign_in(client, who, next_value):
    return client.post("/login", query_string={"next": next_value},
                       data={"email": who.email, "password": PASSWORD})


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\t/evil.example",
                                    "/\n/evil.example", "/\\evil.example", "//evil.example"])
def test_sign_in_never_redirects_off_site(client, make_company, make_user, target):
    ada = make_user(make_company())
    # `query_string` as a dict would encode the `%`: write the raw query for the encoded case.
    url = f"/login?next={target}" if "%" in target else None
    response = (client.post(url, data={"email": ada.email, "password": PASSWORD}) if url
                else _sign_in(client, ada, target))
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_sign_in_keeps_a_same_site_next(client, make_company, make_user):
    ada = make_user(make_company())
    response = _sign_in(client, ada, "/account/tokens?x=1")
    assert response.headers["Location"] == "/account/tokens?x=1"


def test_stopping_a_subscription_ignores_the_referer(client, auth, make_company, make_user):
    hal = make_user(make_company(), roles=("admin", "executive"))
    sub = runs.subscribe(hal, "monthly", None)
    db.session.commit()
    auth.login(hal)
    response = client.post(f"/reports/subscriptions/{sub.id}/stop",
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 302 and response.headers["Location"] == "/reports"
    again = runs.subscribe(hal, "monthly", None)
    db.session.commit()
    back = client.post(f"/reports/subscriptions/{again.id}/stop",
                       data={"next": "/reports/history"})
    assert back.headers["Location"] == "/reports/history"


def test_retiring_an_offering_redirects_only_on_site(client, auth, make_company, make_user,
                                                     make_offering):  # noqa: F811
    acme = make_company()
    hal = make_user(acme, roles=("admin",))
    offering = make_offering(acme, "Clean code")
    auth.login(hal)
    evil = client.post(f"/admin/catalogue/{offering.id}/retire",
                       data={"next": "//evil.example/x"})
    assert evil.headers["Location"] == "/admin/catalogue"
    back = client.post(f"/admin/catalogue/{offering.id}/retire",
                       data={"next": "/admin/catalogue?retired=1"})
    assert back.headers["Location"] == "/admin/catalogue?retired=1"


def test_assigning_a_role_redirects_only_on_site(client, auth, make_company, make_user,
                                                 make_role):  # noqa: F811
    acme = make_company()
    hal = make_user(acme, roles=("admin",))
    ada = make_user(acme)
    role = make_role(acme, "Engineer", {})
    auth.login(hal)
    evil = client.post(f"/roles/people/{ada.id}",
                       data={"role_id": role.id, "next": "/\t/evil.example"})
    assert evil.headers["Location"] == "/roles/people"


def test_verifying_a_completion_redirects_only_on_site(client, auth, make_company, make_user,
                                                       make_capability, make_pathway):  # noqa: F811
    acme = make_company()
    morgan = make_user(acme, roles=("manager", "employee"))
    ada = make_user(acme, manager=morgan)
    testing = make_capability(acme, "Testing")
    path = make_pathway(acme, "Journey", [StepData("practice", "Plan", capability_id=testing.id,
                                                   to_level=3)])
    pathway_service.set_verification(admin_of(acme), True)
    enrolment = pathway_service.enrol_self(ada, path)
    done = pathway_service.complete_step(ada, enrolment, path.steps[0], "note")
    db.session.commit()
    auth.login(morgan)
    response = client.post(f"/learning/completions/{done.id}/verify",
                           data={"next": "/\\evil.example"})
    assert response.headers["Location"] == "/me/learning"
