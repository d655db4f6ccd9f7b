"""The money API's schemas: budgets, adjustments, allocation runs, the wallet, the ledger check
and team pools over JSON, in and out. Amounts are integer minor units bounded by
`app.money.MAX_MINOR` (docs/operations.md, "what is bounded")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from app.api.schema import Id, Paging, Schema, max_chars, required_chars
from app.money import MAX_MINOR

Amount = Annotated[int, Field(ge=-MAX_MINOR, le=MAX_MINOR,
                              description="minor units; negative deducts")]
# "2026" (a fiscal year) or a date inside the period, like 2026-03-01.
PeriodText = Annotated[str, max_chars(10)]
Reason = Annotated[str, required_chars(300)]
Kind = Literal["funding", "allocation", "hold", "capture", "release", "refund", "expiry",
               "rollover", "adjustment"]


class PeriodQuery(Schema):
    """`?period=`: a fiscal year like 2026 or a date inside the period; default: today's."""

    period: PeriodText | None = Field(None, description="2026 or a date; default: today's period")


class Balances(Schema):
    """A period's allocated, held, spent and available, in minor units."""

    period: date = Field(description="first day of the period")
    period_end: date
    period_label: str
    currency: str
    allocated_minor: int
    held_minor: int
    spent_minor: int
    available_minor: int


class Budget(Balances):
    """One person's budget for a period."""

    employee_id: int


class Wallet(Balances):
    """The company wallet beside the period's budgets."""

    wallet_minor: int
    balance_minor: int = Field(description="= wallet_minor")
    funded_minor: int
    paid_minor: int


class NewAdjustment(Schema):
    """Top up (positive) or deduct (negative) a person's budget, with a reason."""

    employee_id: Id
    amount_minor: Amount
    reason: Reason
    period: PeriodText | None = Field(None, description="2026 or a date; default now")


class Adjustment(Schema):
    """An adjustment as written to the ledger."""

    id: int
    employee_id: int | None
    amount_minor: int
    reason: str | None
    currency: str
    created_at: datetime


class NewAllocationRun(Schema):
    """Which period to allocate, accrued as of which day (default: today)."""

    period: PeriodText | None = Field(None, description="2026 or a date; default now")
    as_of: date | None = None


class AllocationRun(Schema):
    """What an allocation run allocated (0 people when everything was already allocated)."""

    id: int
    period: date
    as_of: date
    people: int
    allocated_minor: int
    currency: str


class Check(Schema):
    name: str
    ok: bool
    detail: str


class LedgerVerification(Schema):
    """Each invariant of the company's ledger with ok and a readable detail."""

    ok: bool
    checks: list[Check]


class PersonTransaction(Schema):
    """One transaction of a person's budget with the change of each balance."""

    id: int
    created_at: datetime
    kind: Kind
    reference: str | None
    reason: str | None
    actor: str | None
    amount_minor: int = Field(description="what moved, once")
    available_minor: int = Field(description="change of available")
    held_minor: int
    spent_minor: int


class TransactionQuery(Paging):
    """`?page=&per_page=` of a person's transactions."""


class TeamPool(Schema):
    """A team's pool for a period, in minor units (all zero when it was never funded)."""

    team_id: int
    team: str
    period: date
    period_end: date
    period_label: str
    currency: str
    funded_minor: int = Field(description="net of money taken back")
    granted_minor: int
    expired_minor: int
    available_minor: int = Field(description="left to grant")
    closed: bool


class NewPoolFunding(Schema):
    """Fund a team's pool (positive) or take some back (negative)."""

    amount_minor: Amount
    reason: Reason
    period: PeriodText | None = Field(None, description="2026 or a date; default now")


class NewPoolGrant(Schema):
    """Grant from a team's pool to one of your reports in the team."""

    employee_id: Id = Field(description="one of your reports in the team")
    amount_minor: Amount = Field(description="minor units, above zero")
    reason: Reason
    period: PeriodText | None = Field(None, description="2026 or a date; default now")


class PoolMovement(Schema):
    """A pool funding or grant as written to the ledger."""

    id: int
    team_id: int
    employee_id: int | None
    amount_minor: int = Field(description="grants: above zero; funding: negative takes back")
    currency: str
    reason: str | None
    pool_available_minor: int
    created_at: datetime
