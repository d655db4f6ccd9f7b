"""One dispatch for the pages and the API (`transitions.act`), and a request whose hold is gone."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from sqlalchemy import select

from app.extensions import db
from billing.models import Hold
from pathways.requests import schemas, submit, transitions
from pathways.requests.models import STATUSES, LearningRequest

from .conftest import assert_ledger_ok


@pytest.fixture
def w(acme_world, give, fund):
    give(acme_world.ada, 100_000)
    fund(acme_world.company, 1_000_000, acme_world.harriet)
    return acme_world


def test_act_runs_each_action_and_moves_the_money_once(w, make_offering, set_policy):
    set_policy(w.harriet, purchase_mode="manual")
    req = submit.create_for_offering(w.ada, make_offering(w.company, 30_000), None)
    transitions.act(w.max, req, "approve", comment="ok")
    assert req.status == "approved"
    transitions.act(w.harriet, req, "purchase", provider_reference="PO-1", amount_minor=25_000)
    assert (req.status, req.captured_minor, req.provider_reference) == ("purchased", 25_000, "PO-1")
    transitions.act(w.ada, req, "complete", evidence="cert 7")
    assert (req.status, req.evidence) == ("completed", "cert 7")
    for _ in range(2):  # the same key twice refunds once
        transitions.act(w.harriet, req, "refund", amount_minor=5_000, key="r-1", comment="credit")
    assert req.refunded_minor == 5_000
    assert req.events[-1].comment == "credit"  # the comment is the reason when none is given
    db.session.commit()
    assert_ledger_ok()


def test_act_rejects_and_cancels_with_the_hold_going_back(w, make_offering):
    course = make_offering(w.company, 10_000)
    no = submit.create_for_offering(w.ada, course, None)
    transitions.act(w.max, no, "reject", comment="Next year")
    withdrawn = submit.create_for_offering(w.ada, course, None)
    transitions.act(w.ada, withdrawn, "cancel")
    assert (no.status, withdrawn.status) == ("rejected", "cancelled")
    holds = db.session.scalars(select(Hold).order_by(Hold.id)).all()
    assert [h.status for h in holds] == ["released", "released"]


def test_a_refund_without_a_key_is_refused_before_anything_moves(w, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    transitions.act(w.max, req, "approve")
    with pytest.raises(ValueError, match="idempotency key"):
        transitions.act(w.harriet, req, "refund", amount_minor=1_000)
    assert req.refunded_minor == 0


def test_the_page_and_the_api_both_go_through_act(w, auth, client, api_as, make_offering,
                                                   monkeypatch):
    calls: list[tuple[str, dict[str, Any]]] = []
    real = transitions.act

    def spy(actor, req, action, **details):
        calls.append((action, details))
        return real(actor, req, action, **details)

    monkeypatch.setattr(transitions, "act", spy)
    course = make_offering(w.company, 10_000)
    on_page = submit.create_for_offering(w.ada, course, None)
    over_api = submit.create_for_offering(w.ada, course, None)
    db.session.commit()
    auth.login(w.max)
    assert client.post(f"/requests/{on_page.id}/approve",
                       data={"comment": "page"}).status_code == 302
    r = api_as(w.max).post(f"/api/v1/learning-requests/{over_api.id}/reject",
                           json={"comment": "api"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert [(a, d["comment"]) for a, d in calls] == [("approve", "page"), ("reject", "api")]


def test_the_api_status_enum_is_the_models(app):
    assert set(get_args(schemas.Status)) == set(STATUSES)
    assert set(get_args(transitions.Action)) == set(transitions.ACTIONS)


# --- issue 13: an open request without its hold (the demo seeded one) is a 409, not a 500 --------

@pytest.fixture
def holdless(w, make_offering):
    """A pending request whose hold is missing, as the old demo seeder left Acme's request 24."""
    req = submit.create_for_offering(w.ada, make_offering(w.company, 30_000), None)
    hold = db.session.get(Hold, req.hold_id)
    req.hold_id = None
    db.session.flush()
    db.session.delete(hold)  # (its ledger rows stay: only the link to them is gone)
    db.session.commit()
    return req


@pytest.mark.parametrize("who, action", [("max", "approve"), ("ada", "cancel"),
                                         ("max", "reject")])
def test_an_open_request_without_its_hold_is_a_409_over_the_api(w, holdless, api_as, who, action,
                                                                fingerprint):
    api = api_as(getattr(w, who))
    before = fingerprint()
    r = api.post(f"/api/v1/learning-requests/{holdless.id}/{action}")
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "request_hold_missing"
    assert f"Request #{holdless.id} has no hold" in error["message"]
    assert fingerprint() == before


def test_an_open_request_without_its_hold_is_a_409_on_the_page(w, holdless, auth, client,
                                                               fingerprint):
    auth.login(w.ada)
    before = fingerprint()
    r = client.post(f"/requests/{holdless.id}/cancel", data={})
    assert r.status_code == 409
    assert f"Request #{holdless.id} has no hold" in r.get_data(as_text=True)
    assert fingerprint() == before
    assert db.session.get(LearningRequest, holdless.id).status == "pending"
