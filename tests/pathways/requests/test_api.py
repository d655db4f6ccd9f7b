"""The learning-request API: create with Idempotency-Key, list, every transition, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from billing.models import Hold
from pathways.requests.models import LearningRequest

from .conftest import assert_ledger_ok


@pytest.fixture
def w(acme_world, give, fund):
    give(acme_world.ada, 100_000)
    fund(acme_world.company, 1_000_000, acme_world.harriet)
    return acme_world


def test_request_approve_complete_over_the_api(w, api_as, make_offering):
    course = make_offering(w.company, 40_000, "Kinematics")
    ada, max_ = api_as(w.ada), api_as(w.max)
    r = ada.post("/api/v1/learning-requests", json={"offering_id": course.id, "note": "please"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body | {"created_at": None, "history": None} == body | {
        "title": "Kinematics", "price_minor": 40_000, "currency": "EUR", "status": "pending",
        "approval_chain": ["manager"], "waiting_for": "manager", "note": "please",
        "created_at": None, "history": None}
    rid = body["id"]
    assert max_.get("/api/v1/learning-requests?status=pending").get_json()["total"] == 1
    r = max_.post(f"/api/v1/learning-requests/{rid}/approve", json={"comment": "ok"})
    assert r.status_code == 200 and r.get_json()["status"] == "purchased"
    r = ada.post(f"/api/v1/learning-requests/{rid}/complete", json={"evidence": "cert 42"})
    assert r.get_json()["status"] == "completed"
    history = r.get_json()["history"]
    assert [(h["action"], h["actor"]) for h in history] == [
        ("requested", "Ada"), ("approved", "Max"), ("purchased", "Max"), ("completed", "Ada")]
    mine = ada.get("/api/v1/learning-requests?status=completed").get_json()
    assert [i["id"] for i in mine["items"]] == [rid]
    assert_ledger_ok()  # noqa: F405


def test_idempotent_retries_create_one_request_and_one_hold(w, api_as, make_offering):
    course = make_offering(w.company, 30_000)
    ada = api_as(w.ada)
    headers = {"Idempotency-Key": "abc-1"}
    first = ada.post("/api/v1/learning-requests", json={"offering_id": course.id},
                     headers=headers)
    again = ada.post("/api/v1/learning-requests", json={"offering_id": course.id},
                     headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count(LearningRequest.id))) == 1
    assert db.session.scalar(select(func.count(Hold.id))) == 1
    other = ada.post("/api/v1/learning-requests", json={"offering_id": course.id},
                     headers={"Idempotency-Key": "abc-2"})
    assert other.get_json()["id"] != first.get_json()["id"]
    assert_ledger_ok()  # noqa: F405


def test_refund_retries_with_one_key_refund_once(w, api_as, make_offering):
    course = make_offering(w.company, 30_000)
    rid = api_as(w.ada).post("/api/v1/learning-requests",
                             json={"offering_id": course.id}).get_json()["id"]
    api_as(w.max).post(f"/api/v1/learning-requests/{rid}/approve")
    hr = api_as(w.harriet)
    for _ in range(3):
        r = hr.post(f"/api/v1/learning-requests/{rid}/refund",
                    json={"amount_minor": 10_000, "comment": "partial"},
                    headers={"Idempotency-Key": "refund-1"})
        assert r.status_code == 200 and r.get_json()["refunded_minor"] == 10_000
    r = hr.post(f"/api/v1/learning-requests/{rid}/refund", json={"comment": "rest"},
                headers={"Idempotency-Key": "refund-2"})
    assert (r.get_json()["refunded_minor"], r.get_json()["status"]) == (30_000, "refunded")
    assert_ledger_ok()  # noqa: F405


def test_repeated_approve_over_http_captures_once(w, api_as, make_offering):
    rid = api_as(w.ada).post("/api/v1/learning-requests", json={
        "offering_id": make_offering(w.company, 30_000).id}).get_json()["id"]
    max_ = api_as(w.max)
    for _ in range(3):
        assert max_.post(f"/api/v1/learning-requests/{rid}/approve").status_code == 200
    hold = db.session.scalar(select(Hold))
    assert (hold.captured_minor, hold.status) == (30_000, "captured")
    assert_ledger_ok()  # noqa: F405


@pytest.mark.parametrize("payload, field, status", [
    ({}, "offering_id", 400),
    ({"offering_id": 1, "mentor_booking_id": 1}, "offering_id", 400),
    ({"offering_id": "1"}, "offering_id", 400),
    ({"offering_id": 1, "note": 5}, "note", 400),
    ({"offering_id": 1, "note": "x" * 2001}, "note", 400),
])
def test_bad_input_names_the_field_and_changes_nothing(w, api_as, make_offering, fingerprint,
                                                       payload, field, status):
    make_offering(w.company, 100)
    ada = api_as(w.ada)
    before = fingerprint()
    r = ada.post("/api/v1/learning-requests", json=payload)
    assert r.status_code == status and r.get_json()["error"]["field"] == field
    assert fingerprint() == before


def test_insufficient_budget_is_a_clear_422(w, api_as, make_offering, fingerprint):
    course = make_offering(w.company, 100_001)
    ada = api_as(w.ada)
    before = fingerprint()
    r = ada.post("/api/v1/learning-requests", json={"offering_id": course.id})
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "insufficient_budget"
    assert r.get_json()["error"]["message"].startswith("Insufficient budget: this needs")
    assert fingerprint() == before


def test_wrong_transitions_are_409_and_permissions_403(w, api_as, make_offering):
    rid = api_as(w.ada).post("/api/v1/learning-requests", json={
        "offering_id": make_offering(w.company, 30_000).id}).get_json()["id"]
    ada = api_as(w.ada)
    r = ada.post(f"/api/v1/learning-requests/{rid}/approve")
    assert r.status_code == 403 and "own request" in r.get_json()["error"]["message"]
    assert ada.post(f"/api/v1/learning-requests/{rid}/complete").status_code == 409
    assert ada.post(f"/api/v1/learning-requests/{rid}/cancel").get_json()["status"] == \
        "cancelled"
    assert api_as(w.max).post(f"/api/v1/learning-requests/{rid}/approve").status_code == 409
    assert ada.get("/api/v1/learning-requests?status=nope").status_code == 400


def test_a_colleague_cannot_see_a_request(w, api_as, make_offering, make_user):
    rid = api_as(w.ada).post("/api/v1/learning-requests", json={
        "offering_id": make_offering(w.company, 30_000).id}).get_json()["id"]
    colleague = api_as(make_user(w.company))
    assert colleague.get(f"/api/v1/learning-requests/{rid}").status_code == 404
    assert colleague.get("/api/v1/learning-requests").get_json()["total"] == 0
    assert api_as(w.dora).get(f"/api/v1/learning-requests/{rid}").status_code == 404


def test_openapi_lists_the_request_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for action in ("approve", "reject", "cancel", "purchase", "complete", "refund"):
        assert "post" in spec["paths"][f"/api/v1/learning-requests/{{request_id}}/{action}"]
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/learning-requests"])
    assert "LearningRequest" in spec["components"]["schemas"]


@pytest.mark.parametrize("path, payload, field", [
    ("approve", {"comment": "ok\x00"}, "comment"),
    ("purchase", {"amount_minor": 0}, "amount_minor"),
    ("purchase", {"amount_minor": True}, "amount_minor"),
    ("purchase", {"provider_reference": "x" * 201}, "provider_reference"),
    ("refund", {"amount_minor": 2 ** 63}, "amount_minor"),
    ("complete", {"evidence": "x" * 2001}, "evidence"),
])
def test_transition_bodies_are_checked_by_their_schema(w, api_as, make_offering, fingerprint,
                                                       path, payload, field):
    rid = api_as(w.ada).post("/api/v1/learning-requests", json={
        "offering_id": make_offering(w.company, 30_000).id}).get_json()["id"]
    hr = api_as(w.harriet)
    before = fingerprint()
    r = hr.post(f"/api/v1/learning-requests/{rid}/{path}", json=payload)
    assert r.status_code == 400 and r.get_json()["error"]["field"] == field
    assert fingerprint() == before


@pytest.mark.parametrize("query, field", [("per_page=201", "per_page"), ("page=0", "page"),
                                          ("requester_id=2147483648", "requester_id"),
                                          ("mine=perhaps", "mine")])
def test_list_filters_are_bounded(w, api_as, query, field):
    r = api_as(w.harriet).get(f"/api/v1/learning-requests?{query}")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == field


def test_an_empty_status_filter_means_any_status(w, api_as, make_offering):
    api_as(w.ada).post("/api/v1/learning-requests",
                       json={"offering_id": make_offering(w.company, 30_000).id})
    assert api_as(w.ada).get("/api/v1/learning-requests?status=").get_json()["total"] == 1
