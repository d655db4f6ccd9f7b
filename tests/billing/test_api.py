"""The budgets, wallet and ledger API: shapes, permissions, idempotent retries over HTTP."""

from __future__ import annotations

from app.extensions import db
from billing import holds
from billing.models import LedgerTransaction

from .conftest import MARCH, assert_ledger_ok, key


def test_an_employee_reads_their_budget_in_minor_units(acme, make_user, give, api_as):
    ada = make_user(acme)
    give(ada, 80_000)
    holds.hold(ada, ada, 30_000, "request:1", key(), on=MARCH)
    db.session.commit()
    r = api_as(ada).get(f"/api/v1/employees/{ada.id}/budget?period=2026")
    assert r.status_code == 200
    assert r.get_json() == {"employee_id": ada.id, "period": "2026-01-01",
                            "period_end": "2026-12-31", "period_label": "FY2026",
                            "currency": "EUR", "allocated_minor": 80_000, "held_minor": 30_000,
                            "spent_minor": 0, "available_minor": 50_000}


def test_a_colleague_cannot_read_someone_elses_budget_but_their_manager_can(acme, make_user,
                                                                             api_as):
    boss = make_user(acme, roles=("manager", "employee"))
    ada = make_user(acme, manager=boss)
    peer = make_user(acme)
    assert api_as(peer).get(f"/api/v1/employees/{ada.id}/budget").status_code == 403
    assert api_as(boss).get(f"/api/v1/employees/{ada.id}/budget").status_code == 200


def test_an_adjustment_retried_with_the_same_key_moves_money_once(acme, admin, make_user, api_as):
    ada = make_user(acme)
    api = api_as(admin)
    payload = {"employee_id": ada.id, "amount_minor": 25_000, "reason": "Conference",
               "period": "2026"}
    first = api.post("/api/v1/budgets/adjustments", json=payload,
                     headers={"Idempotency-Key": "adj-1"})
    again = api.post("/api/v1/budgets/adjustments", json=payload,
                     headers={"Idempotency-Key": "adj-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert first.get_json()["amount_minor"] == 25_000
    budget = api.get(f"/api/v1/employees/{ada.id}/budget?period=2026").get_json()
    assert budget["available_minor"] == 25_000
    assert db.session.query(LedgerTransaction).filter_by(kind="adjustment").count() == 1
    assert_ledger_ok()


def test_a_deduction_below_held_and_spent_is_a_clear_422(acme, admin, make_user, give, api_as):
    ada = make_user(acme, name="Ada")
    give(ada, 10_000)
    r = api_as(admin).post("/api/v1/budgets/adjustments", json={
        "employee_id": ada.id, "amount_minor": -20_000, "reason": "cut", "period": "2026"})
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "insufficient_budget"
    assert r.get_json()["error"]["field"] == "amount_minor"
    bad = api_as(admin).post("/api/v1/budgets/adjustments", json={
        "employee_id": ada.id, "amount_minor": "lots", "reason": "x"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "amount_minor"


def test_only_admins_adjust_allocate_and_verify(acme, make_user, api_as):
    api = api_as(make_user(acme, roles=("employee", "executive")))
    assert api.post("/api/v1/budgets/adjustments", json={}).status_code == 403
    assert api.post("/api/v1/budgets/allocate", json={}).status_code == 403
    assert api.get("/api/v1/ledger/verify").status_code == 403
    assert api.get("/api/v1/wallet").status_code == 200  # executives read the wallet


def test_allocate_runs_once_per_key_and_the_wallet_shows_it(acme, admin, make_user, policy, fund,
                                                            api_as):
    policy(60_000)
    make_user(acme)
    fund(1_000_000)
    api = api_as(admin)
    body = {"period": "2026", "as_of": "2026-03-02"}
    first = api.post("/api/v1/budgets/allocate", json=body, headers={"Idempotency-Key": "a"})
    again = api.post("/api/v1/budgets/allocate", json=body, headers={"Idempotency-Key": "a"})
    other = api.post("/api/v1/budgets/allocate", json=body, headers={"Idempotency-Key": "b"})
    assert first.get_json() == again.get_json()
    assert (first.get_json()["people"], first.get_json()["allocated_minor"]) == (2, 120_000)
    assert other.get_json()["people"] == 0
    w = api.get("/api/v1/wallet?period=2026").get_json()
    assert (w["wallet_minor"], w["funded_minor"], w["allocated_minor"]) == (1_000_000, 1_000_000,
                                                                           120_000)
    verified = api.get("/api/v1/ledger/verify").get_json()
    assert verified["ok"] is True and len(verified["checks"]) == 8


def test_transactions_list_each_change_of_the_persons_balances(acme, admin, make_user, give,
                                                               fund, api_as):
    ada = make_user(acme)
    give(ada, 50_000)
    fund(50_000)
    h = holds.hold(ada, ada, 20_000, "request:2", key(), on=MARCH)
    holds.capture(admin, h, key())
    db.session.commit()
    page = api_as(ada).get(f"/api/v1/employees/{ada.id}/transactions").get_json()
    assert page["total"] == 3
    assert [(t["kind"], t["available_minor"], t["held_minor"], t["spent_minor"])
            for t in page["items"]] == [("capture", 0, -20_000, 20_000),
                                        ("hold", -20_000, 20_000, 0),
                                        ("adjustment", 50_000, 0, 0)]


def test_the_openapi_document_describes_the_money_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/budgets/adjustments" in spec["paths"]
    assert "Wallet" in spec["components"]["schemas"]


def test_a_line_manager_without_the_manager_role_reads_their_reports_budget(acme, make_user,
                                                                           give, api_as):
    """PRODUCT.md: the line-manager relation grants it, not the `manager` access role (an
    identity provider may make someone a line manager without it)."""
    lead = make_user(acme, roles=("employee",))
    ada = make_user(acme, manager=lead)
    give(ada, 5_000)
    r = api_as(lead).get(f"/api/v1/employees/{ada.id}/budget?period=2026")
    assert r.status_code == 200 and r.get_json()["allocated_minor"] == 5_000
    assert api_as(ada).get(f"/api/v1/employees/{lead.id}/budget").status_code == 403
