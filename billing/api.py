"""Budgets, wallet and ledger over JSON; the same service calls as the pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar, cast

from flask_login import current_user

from app.access import may_see
from app.api.plumbing import api_blueprint, require_role
from app.api.schema import Page, operation
from app.errors import PermissionDenied
from app.idempotency import idempotency_key
from app.models import Team, User
from app.pagination import page_json, paginate
from app.tenancy import current_company, get_or_404

from . import budgets, pools, queries, verify, wallet
from .models import LedgerTransaction
from .policies import Period, parse_period
from .schemas import (
    Adjustment,
    AllocationRun,
    Budget,
    LedgerVerification,
    NewAdjustment,
    NewAllocationRun,
    NewPoolFunding,
    NewPoolGrant,
    PeriodQuery,
    PersonTransaction,
    PoolMovement,
    TeamPool,
    TransactionQuery,
    Wallet,
)

bp = api_blueprint("billing_api", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def roles(*names: str) -> Callable[[F], F]:
    """Refuse callers without one of the access roles before their body is even read (a 403,
    not a 400 about a body they may not send at all)."""
    def decorate(view: F) -> F:
        @wraps(view)  # keeps the declared operation for the OpenAPI document
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_role(*names)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def _person(employee_id: int) -> User:
    person = get_or_404(User, employee_id)
    if not may_see(current_user, person):
        raise PermissionDenied("You can see your own budget and, as a manager, your reports'.")
    return person


def _period(raw: str | None, today: date | None = None) -> Period:
    return parse_period(current_company(), raw, today or date.today())


@bp.get("/employees/<int:employee_id>/budget")
@operation(query=PeriodQuery, response=Budget)
def employee_budget(employee_id: int, query: PeriodQuery) -> dict[str, Any]:
    """One person's budget for a period: allocated, held, spent and available in minor units."""
    person = _person(employee_id)
    return queries.person_balances(person, _period(query.period)).json() | {
        "employee_id": person.id}


def adjustment_json(tx: LedgerTransaction, amount_minor: int, currency: str) -> dict[str, Any]:
    return {"id": tx.id, "employee_id": tx.user_id, "amount_minor": amount_minor,
            "currency": currency, "reason": tx.reason, "created_at": tx.created_at.isoformat()}


@bp.post("/budgets/adjustments")
@roles("admin")
@operation(body=NewAdjustment, response=Adjustment, status=201, idempotent=True)
def create_adjustment(body: NewAdjustment) -> dict[str, Any]:
    """Top up or deduct a person's budget with a reason (admin); a repeat with the same key
    returns the first adjustment."""
    person = get_or_404(User, body.employee_id)
    tx = budgets.adjust(current_user, person, body.amount_minor, body.reason, idempotency_key(),
                        _period(body.period))
    own = sum(e.amount_minor for e in tx.entries if e.account.kind == "available")
    return adjustment_json(tx, own, current_company().currency)


@bp.post("/budgets/allocate")
@roles("admin")
@operation(body=NewAllocationRun, response=AllocationRun, status=201, idempotent=True)
def allocate(body: NewAllocationRun) -> dict[str, Any]:
    """Run the allocation for the whole company (admin); idempotent per period and per key."""
    company = current_company()
    as_of = body.as_of or date.today()
    period = _period(body.period, as_of)
    run = budgets.run_allocation(current_user, company, period, min(as_of, period.end),
                                 key=idempotency_key())
    return {"id": run.id, "period": run.period_start.isoformat(), "as_of": run.as_of.isoformat(),
            "people": run.people, "allocated_minor": run.allocated_minor,
            "currency": company.currency}


@bp.get("/wallet")
@roles("admin", "executive")
@operation(query=PeriodQuery, response=Wallet)
def get_wallet(query: PeriodQuery) -> dict[str, Any]:
    """The company wallet and this period's budgets at a glance (admin, executive)."""
    company = current_company()
    totals = queries.company_balances(company.id, company.currency, _period(query.period))
    balances = wallet.wallet_balances(company.id)
    return totals.json() | balances | {"balance_minor": balances["wallet_minor"],
                                       "currency": company.currency}


@bp.get("/ledger/verify")
@roles("admin")
@operation(response=LedgerVerification)
def ledger_verify() -> dict[str, Any]:
    """Check the company's ledger invariants (admin): each with ok and a readable detail."""
    checks = verify.run_checks(current_company().id)
    return {"ok": all(c.ok for c in checks), "checks": [c.json() for c in checks]}


def transaction_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "created_at": row.created_at.isoformat(), "kind": row.kind,
            "reference": row.reference, "reason": row.reason, "actor": row.actor_name,
            "amount_minor": int(row.amount_minor),
            "available_minor": int(row.available_minor), "held_minor": int(row.held_minor),
            "spent_minor": int(row.spent_minor)}


@bp.get("/employees/<int:employee_id>/transactions")
@operation(query=TransactionQuery, response=Page[PersonTransaction])
def employee_transactions(employee_id: int, query: TransactionQuery) -> dict[str, Any]:
    """A person's budget transactions, newest first (posted time, then id), with the change of
    each balance."""
    person = _person(employee_id)
    del query  # validated; `paginate` reads the same arguments
    return page_json(paginate(queries.person_transactions(person), rows=True), transaction_json)


def _pool_team(team_id: int) -> Team:
    team = get_or_404(Team, team_id)
    if not (pools.can_manage(current_user, team) or current_user.has_role("executive")):
        raise PermissionDenied("You can see the pools of your reports' teams.")
    return team


def _pool_movement(team: Team, tx: LedgerTransaction, period: Period) -> dict[str, Any]:
    # Read before the end of the request commits: a failure here rolls the movement back.
    row = queries.pool_rows(team.company_id, period, [team.id])[0]
    pool_leg = next(e for e in tx.entries if e.account.kind == "team_pool")
    return {"id": tx.id, "team_id": team.id, "employee_id": tx.user_id,
            "amount_minor": -pool_leg.amount_minor if tx.user_id else pool_leg.amount_minor,
            "currency": current_company().currency, "reason": tx.reason,
            "pool_available_minor": int(row.left_minor), "created_at": tx.created_at.isoformat()}


@bp.get("/teams/<int:team_id>/pool")
@operation(query=PeriodQuery, response=TeamPool)
def team_pool(team_id: int, query: PeriodQuery) -> dict[str, Any]:
    """A team's pool for a period: funded, granted, expired, available (admin, executive, the
    team's managers)."""
    team = _pool_team(team_id)
    period = _period(query.period)
    row = queries.pool_rows(team.company_id, period, [team.id])[0]
    return queries.pool_json(row, period, current_company().currency)


@bp.post("/teams/<int:team_id>/pool/grants")
@operation(body=NewPoolGrant, response=PoolMovement, status=201, idempotent=True)
def grant_from_pool(team_id: int, body: NewPoolGrant) -> dict[str, Any]:
    """Grant from the team's pool to one of your reports' budgets; a repeat with the same key
    returns the first grant."""
    team = get_or_404(Team, team_id)
    person = get_or_404(User, body.employee_id)
    if not pools.can_manage(current_user, team):
        raise PermissionDenied("You can grant from the pools of your reports' teams.")
    period = _period(body.period)
    tx = pools.grant(current_user, team, person, body.amount_minor, body.reason,
                     idempotency_key(), period)
    return _pool_movement(team, tx, period)


@bp.post("/teams/<int:team_id>/pool/funding")
@operation(body=NewPoolFunding, response=PoolMovement, status=201, idempotent=True)
def fund_pool(team_id: int, body: NewPoolFunding) -> dict[str, Any]:
    """Fund a team's pool from the company's allowance, or take some back (admin); a repeat
    with the same key returns the first funding."""
    team = get_or_404(Team, team_id)
    require_role("admin")
    period = _period(body.period)
    tx = pools.fund(current_user, team, body.amount_minor, body.reason, idempotency_key(), period)
    return _pool_movement(team, tx, period)
