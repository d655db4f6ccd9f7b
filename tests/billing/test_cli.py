"""`flask ledger verify` and `flask budgets allocate` from the command line."""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from billing.models import LedgerAccount

from .conftest import assert_ledger_ok


def test_allocate_then_verify_passes(app, acme, make_user, policy):
    policy(50_000)
    make_user(acme)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["budgets", "allocate", "--company", "acme", "--period", "2026",
                                 "--as-of", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "allocated €1,000.00 to 2 people" in result.output
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "all invariants hold" in result.output
    assert_ledger_ok()


def test_verify_exits_1_with_a_readable_report_when_a_balance_was_tampered_with(
        app, acme, make_user, give):
    ada = make_user(acme)
    give(ada, 50_000)
    db.session.execute(update(LedgerAccount).where(LedgerAccount.kind == "available")
                       .values(balance_minor=LedgerAccount.balance_minor + 1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--company", "acme"])
    assert result.exit_code == 1
    assert f"FAIL balances_match_entries: 1 found: account available:{ada.id}:2026-01-01 says " \
           "50001, entries sum to 50000" in result.output
    assert "1 of 8 ledger checks FAILED" in result.output
