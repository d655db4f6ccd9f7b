"""The company wallet: prepaid cash that pays for captured purchases.

Until the Stripe gateway lands, an admin records a bank transfer that arrived (audited).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import Company, User
from app.money import money

from . import ledger
from .errors import BudgetError
from .models import AccountKind, LedgerAccount, LedgerTransaction, TxKind


def record_bank_transfer(actor: User, company: Company, amount_minor: int, bank_reference: str,
                         key: str) -> LedgerTransaction:
    """Credit the wallet with a bank transfer that has arrived. Idempotent per key."""
    bank_reference = (bank_reference or "").strip()
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise BudgetError("Enter the amount that arrived, more than zero.", "amount_minor")
    if not bank_reference:
        raise BudgetError("Enter the bank's reference for the transfer so it can be traced.",
                          "bank_reference")
    reference = f"bank:{bank_reference}"[:120]
    done = ledger.existing(company.id, key, TxKind.FUNDING.value)
    if done is not None:
        return done
    clearing = ledger.company_account(company.id, AccountKind.BANK_CLEARING, company.currency)
    wallet = ledger.company_account(company.id, AccountKind.WALLET, company.currency)
    ledger.lock([clearing, wallet])
    tx = ledger.post(actor, ledger.Posting(
        company.id, TxKind.FUNDING.value, key, ledger.transfer(clearing, wallet, amount_minor),
        reference=reference, reason=f"Bank transfer {bank_reference}"))
    audit.record(actor, company.id, "wallet.funded", "ledger_transaction", tx.id,
                 f"Recorded bank transfer {bank_reference} of "
                 f"{money(amount_minor, company.currency)}", {"amount_minor": (None, amount_minor)})
    return tx


def wallet_balances(company_id: int) -> dict[str, int]:
    """Wallet, funded so far and paid out so far, in minor units."""
    balances = dict(db.session.execute(select(
            LedgerAccount.kind, LedgerAccount.balance_minor).where(
        LedgerAccount.company_id == company_id,
        LedgerAccount.kind.in_([AccountKind.WALLET.value, AccountKind.BANK_CLEARING.value,
                                AccountKind.PROVIDER_PAYABLE.value]))).all())
    return {"wallet_minor": balances.get("wallet", 0),
            "funded_minor": -balances.get("bank_clearing", 0),
            "paid_minor": balances.get("provider_payable", 0)}


# --- wallet money that captures may not spend, registered by the rooms that promise it ----------

Reservation = Callable[[int], int]  # company id -> minor units


def add_reservation(app: Flask, reserved: Reservation) -> None:
    """Register a source of wallet money that is promised elsewhere (the stripe room: refunds
    Stripe has not confirmed yet, debited only when it confirms them)."""
    app.extensions.setdefault("billing_wallet_reservations", []).append(reserved)


def reserved_minor(company_id: int) -> int:
    """Wallet money the company may not spend: the sum of every registered reservation."""
    return sum(reserved(company_id)
               for reserved in current_app.extensions.get("billing_wallet_reservations", []))
