"""Money promised back to the card by a pending Stripe refund cannot be spent meanwhile."""

from __future__ import annotations

import pytest

from app.extensions import db
from billing import holds
from billing.errors import InsufficientFunds
from billing.stripe import topups
from billing.stripe.models import TopUp, TopUpStatus

from ..conftest import assert_ledger_ok


def test_a_pending_refund_reserves_wallet_money_against_purchases(acme, admin, fund, give,
                                                                   make_user):
    # Acme's wallet holds €500 from a card top-up; Harriet asks Stripe to refund €300 of it.
    fund(50_000)
    topup = TopUp(company_id=acme.id, idempotency_key="t1", amount_minor=50_000, currency="EUR",
                  status=TopUpStatus.SUCCEEDED.value, payment_intent_id="pi_demo")
    db.session.add(topup)
    db.session.flush()
    topups.request_refund(admin, topup, 30_000, "refund-1")
    db.session.commit()
    # Ada's €250 course would fit the wallet's balance, but not what is left after the refund.
    ada = make_user(acme)
    give(ada, 50_000)
    hold = holds.hold(ada, ada, 25_000, "request:1", "h1")
    db.session.commit()
    with pytest.raises(InsufficientFunds, match="has €200.00 to spend"):
        holds.capture(admin, hold, "c1")
    db.session.rollback()
    # A €200 purchase still goes through.
    small = holds.hold(ada, ada, 20_000, "request:2", "h2")
    holds.capture(admin, small, "c2")
    db.session.commit()
    assert_ledger_ok(acme.id)
