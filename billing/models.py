"""Billing's tables: ledger accounts, transactions and entries; budgets, holds, policies, runs.

The chart of accounts and the sign conventions are described in `billing.ledger`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models import Team, User, utcnow


class AccountKind(enum.StrEnum):
    BANK_CLEARING = "bank_clearing"  # company: money arriving from outside (bank, Stripe)
    WALLET = "wallet"  # company: prepaid cash that pays for captured purchases
    PROVIDER_PAYABLE = "provider_payable"  # company: cash paid out for purchases
    GRANTS = "grants"  # company: source of every budget allowance (allocations, adjustments)
    EXPIRED = "expired"  # company: allowance that lapsed at a period end
    TEAM_POOL = "team_pool"  # per team and period: a pool a manager can grant from
    AVAILABLE = "available"  # per employee and period: budget that can still be requested
    HELD = "held"  # per employee and period: budget reserved by open holds
    SPENT = "spent"  # per employee and period: budget consumed by captures (less refunds)


class TxKind(enum.StrEnum):
    FUNDING = "funding"
    ALLOCATION = "allocation"
    HOLD = "hold"
    CAPTURE = "capture"
    RELEASE = "release"
    REFUND = "refund"
    EXPIRY = "expiry"
    ROLLOVER = "rollover"
    ADJUSTMENT = "adjustment"


class HoldStatus(enum.StrEnum):
    OPEN = "open"
    CAPTURED = "captured"
    RELEASED = "released"


class LedgerAccount(Model):
    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(String(80))  # e.g. "wallet", "available:42:2026-01-01"
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    # Running balance, written only by billing.ledger in the same transaction as the entries
    # and checked against their sum by `ledger verify`.
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerTransaction(Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("company_id", "idempotency_key"),
        Index("ix_ledger_transactions_company_user", "company_id", "user_id", "id"),
        Index("ix_ledger_transactions_company_created", "company_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(120), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    # The employee whose budget moved (None for company-only movements such as funding).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="transaction",
                                                      order_by="LedgerEntry.id")


class LedgerEntry(Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount_minor <> 0", name="nonzero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()


class Budget(Model):
    """One employee's budget for one fiscal period: three ledger accounts."""

    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("company_id", "user_id", "period_start"),
        Index("ix_budgets_company_period", "company_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    currency: Mapped[str] = mapped_column(String(3))
    available_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    held_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    spent_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    # What the policy has granted so far (allocation runs top up to the entitlement).
    policy_allocated_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()
    available: Mapped[LedgerAccount] = relationship(foreign_keys=[available_account_id])
    held: Mapped[LedgerAccount] = relationship(foreign_keys=[held_account_id])
    spent: Mapped[LedgerAccount] = relationship(foreign_keys=[spent_account_id])

    @property
    def allocated_minor(self) -> int:
        return self.available.balance_minor + self.held.balance_minor + self.spent.balance_minor


class Hold(Model):
    """A reservation on a budget for a plain reference such as "request:42"."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_budget_status", "budget_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"))
    reference: Mapped[str] = mapped_column(String(120), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    released_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default=HoldStatus.OPEN.value)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    budget: Mapped[Budget] = relationship()

    @property
    def open_minor(self) -> int:
        if self.status != HoldStatus.OPEN.value:
            return 0
        return self.amount_minor - self.captured_minor - self.released_minor


class BudgetPolicy(Model):
    """An annual allowance rule: the company default, a team's, or a role's (job title)."""

    __tablename__ = "budget_policies"
    __table_args__ = (UniqueConstraint("company_id", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    scope: Mapped[str] = mapped_column(String(10))  # default / team / role
    scope_key: Mapped[str] = mapped_column(String(220))  # "default", "team:3", "role:engineer"
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    job_title: Mapped[str | None] = mapped_column(String(200))
    annual_allowance_minor: Mapped[int] = mapped_column(BigInteger)
    accrual: Mapped[str] = mapped_column(String(10), default="upfront")  # upfront / monthly
    prorate_joiners: Mapped[bool] = mapped_column(Boolean, default=True)
    rollover_cap_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Team pools for the teams this policy covers (a team policy: that team and its sub-teams;
    # the default: every team without a team policy of its own). Role policies ignore it.
    team_pools: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class TeamPool(Model):
    """A team's pool for one fiscal period: one ledger account an admin funds from grants and
    the team's manager grants from into their reports' budgets."""

    __tablename__ = "team_pools"
    __table_args__ = (UniqueConstraint("company_id", "team_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    currency: Mapped[str] = mapped_column(String(3))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    team: Mapped[Team] = relationship()
    account: Mapped[LedgerAccount] = relationship()


class AllocationRun(Model):
    """One company-wide allocation run; an Idempotency-Key repeat returns the stored result."""

    __tablename__ = "allocation_runs"
    __table_args__ = (UniqueConstraint("company_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    as_of: Mapped[date] = mapped_column(Date)
    people: Mapped[int] = mapped_column(Integer, default=0)
    allocated_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
