"""Idempotency-Key as Stripe has it: up to 255 characters, a longer one is a 400 naming the
header; the same key with another body is a 409 `idempotency_conflict` (issue 13: keys were cut
to 150 characters, so two sharing a prefix collided, and a reused key silently answered the first
result)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from billing.models import LedgerTransaction

from .conftest import assert_ledger_ok


def adjust(api, ada, amount, key):
    return api.post("/api/v1/budgets/adjustments", headers={"Idempotency-Key": key}, json={
        "employee_id": ada.id, "amount_minor": amount, "reason": "Conference", "period": "2026"})


def adjustments() -> int:
    return db.session.scalar(select(func.count(LedgerTransaction.id))) or 0


def test_keys_of_255_characters_sharing_a_prefix_are_two_keys(acme, admin, make_user, api_as):
    ada, api = make_user(acme), api_as(admin)
    first, second = "k" * 254 + "1", "k" * 254 + "2"
    a, b = adjust(api, ada, 1_000, first), adjust(api, ada, 1_000, second)
    assert a.status_code == b.status_code == 201 and a.get_json()["id"] != b.get_json()["id"]
    assert adjust(api, ada, 1_000, first).get_json()["id"] == a.get_json()["id"]
    assert adjustments() == 2
    assert_ledger_ok()


def test_a_key_over_255_characters_is_a_400_naming_the_header(acme, admin, make_user, api_as):
    ada = make_user(acme)
    r = adjust(api_as(admin), ada, 1_000, "k" * 256)
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == "Idempotency-Key"
    assert adjustments() == 0


def test_the_same_key_with_another_body_is_a_409_and_moves_nothing(acme, admin, make_user,
                                                                   api_as):
    ada, api = make_user(acme), api_as(admin)
    assert adjust(api, ada, 1_000, "same").status_code == 201
    other = adjust(api, ada, 9_000, "same")
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_conflict"
    assert other.get_json()["error"]["field"] == "Idempotency-Key"
    elsewhere = api.post("/api/v1/budgets/allocate", json={"period": "2026"},
                         headers={"Idempotency-Key": "same"})
    assert elsewhere.status_code == 409
    assert adjustments() == 1
    budget = api.get(f"/api/v1/employees/{ada.id}/budget?period=2026").get_json()
    assert budget["available_minor"] == 1_000


def test_a_refused_request_does_not_take_its_key(acme, admin, make_user, api_as):
    ada, api = make_user(acme), api_as(admin)
    assert adjust(api, ada, -5_000, "retry-me").status_code == 422  # nothing to deduct from
    assert adjust(api, ada, 5_000, "retry-me").status_code == 201
