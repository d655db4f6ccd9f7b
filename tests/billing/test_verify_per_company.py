"""`ledger verify` per company: another company's data can never make this company's check fail
or error (issue 13: a check summed every company's entries before filtering), and every open
learning request has exactly its hold."""

from __future__ import annotations

from sqlalchemy import insert

from app.extensions import db
from billing import holds, ledger, verify
from billing.models import AccountKind, LedgerEntry, LedgerTransaction
from pathways.requests.models import LearningRequest

from .conftest import MARCH, key


def checks(company_id: int) -> dict[str, bool]:
    return {c.name: c.ok for c in verify.run_checks(company_id)}


def test_a_huge_corrupt_ledger_elsewhere_leaves_this_companys_check_green(
        acme, admin, make_company, make_user, give, api_as, app):
    give(make_user(acme), 10_000)
    globex = make_company("Globex", "globex")
    grants = ledger.company_account(globex.id, AccountKind.GRANTS, "EUR")
    wallet = ledger.company_account(globex.id, AccountKind.WALLET, "EUR")
    db.session.flush()
    # Written behind the ledger's back: two entries whose sum overflows a 64-bit integer.
    tx = db.session.execute(insert(LedgerTransaction).values(
        company_id=globex.id, idempotency_key="corrupt", kind="funding",
        created_at=MARCH).returning(LedgerTransaction.id)).scalar_one()
    db.session.execute(insert(LedgerEntry), [
        {"transaction_id": tx, "account_id": wallet.id, "amount_minor": 2**62},
        {"transaction_id": tx, "account_id": wallet.id, "amount_minor": 2**62},
        {"transaction_id": tx, "account_id": grants.id, "amount_minor": -(2**62)}])
    db.session.commit()
    r = api_as(admin).get("/api/v1/ledger/verify")
    assert r.status_code == 200 and r.get_json()["ok"] is True, r.get_json()
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--company", "acme"])
    assert result.exit_code == 0, result.output


def test_an_open_request_without_its_hold_fails_the_check(acme, admin, make_user, give):
    ada = make_user(acme, name="Ada")
    give(ada, 50_000)
    req = LearningRequest(company_id=acme.id, requester_id=ada.id, kind="offering",
                          title="Rust", price_minor=20_000, currency="EUR", status="pending",
                          chain="manager", stages_done=0, captured_minor=0, refunded_minor=0)
    db.session.add(req)
    db.session.commit()
    assert checks(acme.id)["open_references_held"] is False
    hold = holds.hold(ada, ada, 15_000, req.reference, key(), on=MARCH)
    db.session.commit()
    found = {c.name: c for c in verify.run_checks(acme.id)}["open_references_held"]
    assert not found.ok and f"{req.reference} should hold 20000, holds 15000" in found.detail
    holds.release(admin, hold, key())
    holds.hold(ada, ada, 20_000, req.reference, key(), on=MARCH)
    db.session.commit()
    assert all(checks(acme.id).values())
    req.status = "rejected"  # a closed request expects nothing
    db.session.commit()
    assert checks(acme.id)["open_references_held"] is True
