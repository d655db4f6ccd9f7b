"""Back-filled ledger transactions (demo data, imports of history): dated in the past, every
invariant unchanged, never in the future."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from billing import holds, ledger
from billing.models import AccountKind, LedgerTransaction

from .conftest import assert_ledger_ok, key

MARCH_5 = datetime(2026, 3, 5, 10, 30)


def test_a_backfilled_purchase_is_dated_when_it_happened(admin, make_user, fund, give) -> None:
    fund(500_000)
    ada = make_user(admin.company, name="Ada")
    give(ada, 100_000)
    with ledger.backfill(MARCH_5):
        hold = holds.hold(ada, ada, 40_000, "request:1", key("hold"), on=MARCH_5.date())
    with ledger.backfill(MARCH_5 + timedelta(days=3)):
        holds.capture(admin, hold, key("capture"))
    db.session.commit()
    dated = dict(db.session.execute(select(LedgerTransaction.kind, LedgerTransaction.created_at)
                                    .where(LedgerTransaction.reference == "request:1")).all())
    assert dated == {"hold": MARCH_5, "capture": MARCH_5 + timedelta(days=3)}
    assert hold.budget.spent.balance_minor == 40_000
    assert_ledger_ok()
    later = holds.hold(ada, ada, 1_000, "request:2", key("hold"))  # outside the block: now
    assert db.session.get(LedgerTransaction, later.transaction_id).created_at > MARCH_5


def test_posted_at_is_explicit_for_direct_postings_and_refuses_the_future(admin, fund) -> None:
    fund(1_000)
    wallet = ledger.company_account(admin.company_id, AccountKind.WALLET, "EUR")
    clearing = ledger.company_account(admin.company_id, AccountKind.BANK_CLEARING, "EUR")
    posting = ledger.Posting(admin.company_id, "adjustment", key("adj"),
                             ledger.transfer(clearing, wallet, 500), reason="History")
    tx = ledger.post(admin, posting, posted_at=MARCH_5)
    assert tx.created_at == MARCH_5
    future = ledger.Posting(admin.company_id, "adjustment", key("adj"),
                            ledger.transfer(clearing, wallet, 500), reason="Tomorrow")
    with pytest.raises(ValueError, match="future"):
        ledger.post(admin, future, posted_at=utcnow() + timedelta(days=1))
    db.session.commit()
    assert_ledger_ok()
