"""Budgets: per-employee, per-period accounts; allocation runs, adjustments, period close.

Every function takes the acting user, writes through `billing.ledger`, flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit
from app.extensions import db
from app.models import Company, User, UserStatus, utcnow

from . import ledger
from .errors import BudgetError, InsufficientBudget
from .format import fmt
from .models import AccountKind, AllocationRun, Budget, LedgerAccount, LedgerTransaction, TxKind
from .policies import Period, Resolver, entitlement, period_for

CHUNK = 1000


def find_budget(user: User, period: Period) -> Budget | None:
    return db.session.scalar(select(Budget).where(
        Budget.company_id == user.company_id, Budget.user_id == user.id,
        Budget.period_start == period.start))


def _new_budget(company_id: int, user_id: int, period: Period, currency: str) -> Budget:
    suffix = f"{user_id}:{period.start.isoformat()}"
    accounts = {kind: LedgerAccount(company_id=company_id, code=f"{kind.value}:{suffix}",
                                    kind=kind.value, currency=currency, balance_minor=0)
                for kind in (AccountKind.AVAILABLE, AccountKind.HELD, AccountKind.SPENT)}
    return Budget(company_id=company_id, user_id=user_id, period_start=period.start,
                  period_end=period.end, currency=currency, policy_allocated_minor=0,
                  available=accounts[AccountKind.AVAILABLE], held=accounts[AccountKind.HELD],
                  spent=accounts[AccountKind.SPENT])


def budget_for(user: User, period: Period) -> Budget:
    """The person's budget for `period`, created (empty) on first use."""
    found = find_budget(user, period)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            budget = _new_budget(user.company_id, user.id, period, user.company.currency)
            db.session.add(budget)
        return budget
    except IntegrityError:
        found = find_budget(user, period)
        assert found is not None
        return found


def _allocation_key(user_id: int, period: Period, target: int) -> str:
    # Cumulative target in the key: a repeat in the same month is a no-op, a new month's
    # accrual (or a raised allowance) is a new key for the difference.
    return f"allocation:{user_id}:{period.start.isoformat()}:{target}"


def allocate_person(actor: User | None, user: User, period: Period,
                    as_of: date) -> LedgerTransaction | None:
    """Top the person's budget up to what their policy entitles them to (e.g. on hire)."""
    resolver = Resolver(user.company_id)
    policy = resolver.policy_for(user.job_title, user.team_id)
    if policy is None or user.status != UserStatus.ACTIVE.value:
        return None
    target = entitlement(policy, user.start_date, period, as_of)
    key = _allocation_key(user.id, period, target)
    if ledger.existing(user.company_id, key, TxKind.ALLOCATION.value) is not None:
        return None
    budget = budget_for(user, period)
    grants = ledger.company_account(user.company_id, AccountKind.GRANTS, budget.currency)
    ledger.lock([grants, budget.available])
    db.session.refresh(budget)
    amount = target - budget.policy_allocated_minor
    if amount <= 0:
        return None
    budget.policy_allocated_minor = target
    return ledger.post(actor, ledger.Posting(
        user.company_id, TxKind.ALLOCATION.value, key,
        ledger.transfer(grants, budget.available, amount), reference=f"user:{user.id}",
        reason=f"{period.label} allowance", user_id=user.id))


def run_allocation(actor: User | None, company: Company, period: Period, as_of: date,
                   key: str | None = None,
                   progress: Callable[[int], None] | None = None) -> AllocationRun:
    """Allocate the period's entitlement to every active person of the company in one go.

    Idempotent: a second run in the same month allocates nothing; a run under a key already
    used returns the first run's result."""
    if key is not None:
        done = db.session.scalar(select(AllocationRun).where(
            AllocationRun.company_id == company.id, AllocationRun.idempotency_key == key))
        if done is not None:
            return done
    progress = progress or (lambda n: None)
    resolver = Resolver(company.id)
    cutoff = min(as_of, period.end)
    people = db.session.execute(select(User.id, User.job_title, User.team_id, User.start_date)
                                .where(User.company_id == company.id,
                                       User.status == UserStatus.ACTIVE.value,
                                       (User.start_date.is_(None)) | (User.start_date <= cutoff))
                                .order_by(User.id)).all()
    budgets = {b.user_id: b for b in db.session.scalars(
        select(Budget).where(Budget.company_id == company.id, Budget.period_start == period.start)
        .options(selectinload(Budget.available)))}
    targets: dict[int, int] = {}
    for uid, job_title, team_id, start_date in people:
        policy = resolver.policy_for(job_title, team_id)
        if policy is not None:
            target = entitlement(policy, start_date, period, as_of)
            if target > (budgets[uid].policy_allocated_minor if uid in budgets else 0):
                targets[uid] = target
    fresh = [_new_budget(company.id, uid, period, company.currency)
             for uid in targets if uid not in budgets]
    db.session.add_all(fresh)
    db.session.flush()
    budgets.update({b.user_id: b for b in fresh})
    grants = ledger.company_account(company.id, AccountKind.GRANTS, company.currency)
    touched = [budgets[uid] for uid in targets]
    ledger.lock([grants] + [b.available for b in touched])
    if db.session.get_bind().dialect.name != "sqlite":  # reload after the lock
        db.session.scalars(select(Budget).where(Budget.id.in_([b.id for b in touched]))
                           .execution_options(populate_existing=True)).all()
    total = count = 0
    for i in range(0, len(touched), CHUNK):
        postings = []
        for budget in touched[i: i + CHUNK]:
            amount = targets[budget.user_id] - budget.policy_allocated_minor
            if amount <= 0:
                continue
            budget.policy_allocated_minor = targets[budget.user_id]
            total, count = total + amount, count + 1
            postings.append(ledger.Posting(
                company.id, TxKind.ALLOCATION.value,
                _allocation_key(budget.user_id, period, targets[budget.user_id]),
                ledger.transfer(grants, budget.available, amount),
                reference=f"user:{budget.user_id}", reason=f"{period.label} allowance",
                user_id=budget.user_id))
        ledger.post_many(actor, postings)
        progress(len(postings))
    run = AllocationRun(company_id=company.id, idempotency_key=key or f"run:{utcnow().isoformat()}",
                        period_start=period.start, as_of=as_of, people=count,
                        allocated_minor=total, actor_id=actor.id if actor else None)
    db.session.add(run)
    db.session.flush()
    audit.record(actor, company.id, "budgets.allocated", "allocation_run", run.id,
                 f"{period.label}: allocated {fmt(total, company.currency)} to {count} people",
                 None)
    return run


def adjust(actor: User, user: User, amount_minor: int, reason: str, key: str,
           period: Period | None = None, today: date | None = None) -> LedgerTransaction:
    """Top up (positive) or deduct (negative) a person's budget, with a reason (audited).

    A deduction can never take the budget below what is already held and spent."""
    reason = (reason or "").strip()
    if not reason:
        raise BudgetError("Say why the budget changes; the reason is kept in the ledger.",
                          "reason")
    if amount_minor == 0:
        raise BudgetError("Enter an amount other than zero.", "amount_minor")
    done = ledger.existing(user.company_id, key, TxKind.ADJUSTMENT.value, f"user:{user.id}")
    if done is not None:
        return done
    company = user.company
    period = period or period_for(company, today or date.today())
    budget = find_budget(user, period) if amount_minor < 0 else budget_for(user, period)
    if budget is None:
        raise InsufficientBudget(f"{user.name} has no {period.label} budget to deduct from.",
                                 "amount_minor")
    grants = ledger.company_account(user.company_id, AccountKind.GRANTS, budget.currency)
    ledger.lock([grants, budget.available, budget.held, budget.spent])
    if -amount_minor > budget.available.balance_minor:
        c = budget.currency
        raise InsufficientBudget(
            f"You can deduct at most {fmt(budget.available.balance_minor, c)} from {user.name}: "
            f"{fmt(budget.held.balance_minor, c)} is held for open requests and "
            f"{fmt(budget.spent.balance_minor, c)} is spent.", "amount_minor")
    tx = ledger.post(actor, ledger.Posting(
        user.company_id, TxKind.ADJUSTMENT.value, key,
        ledger.transfer(grants, budget.available, amount_minor), reference=f"user:{user.id}",
        reason=reason, user_id=user.id))
    audit.record(actor, user.company_id, "budget.adjusted", "user", user.id,
                 f"{period.label} budget of {user.name} {'+' if amount_minor > 0 else '−'}"
                 f"{fmt(abs(amount_minor), budget.currency)}: {reason}",
                 {"amount_minor": (None, amount_minor)})
    return tx


def close_period(actor: User | None, company: Company, period: Period) -> tuple[int, int]:
    """At a period end: roll over what is left up to each policy's cap, expire the rest.

    Open holds stay on the old budget; if one is released later, its amount expires at once.
    Returns (rolled over, expired) in minor units. Idempotent per budget."""
    resolver = Resolver(company.id)
    nxt = period.next()
    expired_acc = ledger.company_account(company.id, AccountKind.EXPIRED, company.currency)
    rolled = expired = 0
    budgets = db.session.scalars(select(Budget).where(
        Budget.company_id == company.id, Budget.period_start == period.start,
        Budget.closed_at.is_(None)).order_by(Budget.id)).all()
    for budget in budgets:
        user = budget.user
        policy = resolver.policy_for(user.job_title, user.team_id)
        ledger.lock([budget.available])
        left = budget.available.balance_minor
        cap = policy.rollover_cap_minor if policy and user.status == "active" else 0
        carry = min(left, cap)
        if carry > 0:
            target = budget_for(user, nxt)
            ledger.lock([budget.available, target.available])
            ledger.post(actor, ledger.Posting(
                company.id, TxKind.ROLLOVER.value, f"rollover:{budget.id}",
                ledger.transfer(budget.available, target.available, carry),
                reference=f"user:{user.id}", reason=f"Rollover into {nxt.label}",
                user_id=user.id))
        if left - carry > 0:
            ledger.post(actor, ledger.Posting(
                company.id, TxKind.EXPIRY.value, f"expiry:{budget.id}",
                ledger.transfer(budget.available, expired_acc, left - carry),
                reference=f"user:{user.id}", reason=f"{period.label} ended", user_id=user.id))
        budget.closed_at = utcnow()
        rolled, expired = rolled + carry, expired + left - carry
    db.session.flush()
    audit.record(actor, company.id, "budgets.closed", "company", company.id,
                 f"{period.label} closed: {fmt(rolled, company.currency)} rolled over, "
                 f"{fmt(expired, company.currency)} expired", None)
    return rolled, expired
