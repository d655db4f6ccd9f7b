"""One bound on money (app.money.MAX_MINOR): the API, the forms and the ledger refuse more, and
nothing is saved (issue 13: an adjustment of 2^63 − 1 was accepted; pool funding of it answered
500 after the money had moved)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.money import MAX_MINOR
from billing import ledger
from billing.models import AccountKind, LedgerTransaction
from billing.postings import AmountTooLarge

from .conftest import assert_ledger_ok, key

HUGE = 2**63 - 1


def transactions() -> int:
    return db.session.scalar(select(func.count(LedgerTransaction.id))) or 0


def test_an_adjustment_of_2_63_is_a_400_naming_the_amount_and_saves_nothing(acme, admin,
                                                                            make_user, api_as):
    ada = make_user(acme)
    for amount in (HUGE, -HUGE, MAX_MINOR + 1):
        r = api_as(admin).post("/api/v1/budgets/adjustments", json={
            "employee_id": ada.id, "amount_minor": amount, "reason": "x", "period": "2026"})
        assert r.status_code == 400, r.get_json()
        assert r.get_json()["error"]["field"] == "amount_minor"
    assert transactions() == 0
    assert api_as(admin).get("/api/v1/ledger/verify").get_json()["ok"] is True


def test_the_ledger_refuses_a_posting_that_takes_a_balance_past_the_bound(acme, admin, make_user,
                                                                          api_as):
    ada = make_user(acme)
    api = api_as(admin)
    body = {"employee_id": ada.id, "amount_minor": MAX_MINOR, "reason": "all of it",
            "period": "2026"}
    assert api.post("/api/v1/budgets/adjustments", json=body).status_code == 201
    again = api.post("/api/v1/budgets/adjustments", json=body | {"amount_minor": 1})
    assert again.status_code == 422
    assert again.get_json()["error"] == {
        "code": "amount_too_large", "field": "amount_minor",
        "message": again.get_json()["error"]["message"]}
    assert transactions() == 1
    budget = api.get(f"/api/v1/employees/{ada.id}/budget?period=2026").get_json()
    assert budget["available_minor"] == MAX_MINOR
    assert_ledger_ok()


def test_a_leg_beyond_the_bound_is_refused_before_anything_is_written(acme, admin):
    grants = ledger.company_account(acme.id, AccountKind.GRANTS, "EUR")
    wallet = ledger.company_account(acme.id, AccountKind.WALLET, "EUR")
    with pytest.raises(AmountTooLarge):
        ledger.post(admin, ledger.Posting(acme.id, "adjustment", key(),
                                          ledger.transfer(grants, wallet, MAX_MINOR + 1)))
    db.session.rollback()
    assert transactions() == 0


def test_pool_funding_of_2_63_moves_nothing_and_a_retry_funds_once(admin, eng, api_as):
    team = eng[0]
    api = api_as(admin)
    url = f"/api/v1/teams/{team.id}/pool/funding"
    huge = api.post(url, json={"amount_minor": HUGE, "reason": "x", "period": "2026"},
                    headers={"Idempotency-Key": "fund-huge"})
    assert huge.status_code == 400 and huge.get_json()["error"]["field"] == "amount_minor"
    body = {"amount_minor": MAX_MINOR, "reason": "everything", "period": "2026"}
    first = api.post(url, json=body, headers={"Idempotency-Key": "fund-max"})
    again = api.post(url, json=body, headers={"Idempotency-Key": "fund-max"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    past = api.post(url, json=body | {"amount_minor": 1}, headers={"Idempotency-Key": "fund-1"})
    assert past.status_code == 422 and past.get_json()["error"]["code"] == "amount_too_large"
    pool = api.get(f"/api/v1/teams/{team.id}/pool?period=2026").get_json()
    assert pool["funded_minor"] == pool["available_minor"] == MAX_MINOR
    assert transactions() == 1
    assert_ledger_ok()


def test_the_forms_refuse_an_amount_past_the_bound_next_to_the_field(acme, admin, make_user,
                                                                     auth, client):
    ada = make_user(acme, name="Ada")
    auth.login(admin)
    too_much = str(MAX_MINOR // 100 + 1)  # major units
    r = client.post(f"/budgets/people/{ada.id}?period=2026", data={
        "direction": "add", "amount": too_much, "reason": "x", "key": "f1"})
    assert r.status_code == 200 and "too large" in r.get_data(as_text=True)
    r = client.post("/wallet", data={"amount": too_much, "bank_reference": "SEPA-1", "key": "f2"})
    assert r.status_code == 200 and "too large" in r.get_data(as_text=True)
    assert transactions() == 0


def test_the_csv_imports_refuse_a_price_or_rate_past_the_bound(acme, admin):
    from pathways.catalogue import offering_import
    from pathways.mentoring import coach_import

    plan = offering_import.parse(acme.id, "title,type,price,duration_hours\n"
                                          f"Gold,course,{MAX_MINOR // 100 + 1},2\n")
    assert [(e.row, e.field) for e in plan.errors] == [(2, "price")]
    coaches = coach_import.parse(acme.id, "name,email,hourly_rate_minor,timezone\n"
                                          f"Rich,rich@coach.test,{HUGE},Europe/Berlin\n")
    assert [(e.row, e.field) for e in coaches.errors] == [(2, "hourly_rate_minor")]
