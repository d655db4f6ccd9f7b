"""Budgets: per-employee, per-period accounts; allocation runs, adjustments, period close.

Every function takes the acting user, writes through `billing.ledger`, flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import Company, User, UserStatus, utcnow
from app.money import money

from . import ledger
from .errors import BudgetError, InsufficientBudget
from .models import (
    AccountKind,
    AllocationRun,
    Budget,
    LedgerAccount,
    LedgerTransaction,
    TeamPool,
    TxKind,
)
from .policies import Period, Resolver, entitlement, period_for

CHUNK = 1000
ACCOUNTS = ledger.table_of(LedgerAccount)
BUDGETS = ledger.table_of(Budget)


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
    if target <= 0:  # e.g. starts later in the period: no empty budget yet
        return None
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


def _budget_rows(company_id: int, period: Period,
                 user_ids: Sequence[int] | None = None) -> dict[int, tuple[int, int, int]]:
    """{user_id: (budget id, available account id, policy_allocated_minor)} for the period."""
    query = select(Budget.user_id, Budget.id, Budget.available_account_id,
                   Budget.policy_allocated_minor).where(
        Budget.company_id == company_id, Budget.period_start == period.start)
    if user_ids is None:
        return {u: (b, a, p) for u, b, a, p in db.session.execute(query)}
    found: dict[int, tuple[int, int, int]] = {}
    for i in range(0, len(user_ids), ledger.ID_CHUNK):
        found.update({u: (b, a, p) for u, b, a, p in db.session.execute(
            query.where(ledger.one_of(Budget.user_id, user_ids[i: i + ledger.ID_CHUNK])))})
    return found


def _create_budgets(company_id: int, user_ids: Sequence[int], period: Period,
                    currency: str) -> dict[int, tuple[int, int, int]]:
    """Create empty budgets (three accounts each) for many people with bulk INSERTs; returns
    them like `_budget_rows`. Same codes and columns as `_new_budget`."""
    if not user_ids:
        return {}
    kinds = (AccountKind.AVAILABLE, AccountKind.HELD, AccountKind.SPENT)
    start = period.start.isoformat()
    # RETURNING the natural key with the id: rows may come back in any order.
    account = dict(ledger.bulk_insert(ACCOUNTS, [
        {"company_id": company_id, "code": f"{kind.value}:{uid}:{start}", "kind": kind.value,
         "currency": currency, "balance_minor": 0} for uid in user_ids for kind in kinds],
        returning=("code", "id")))
    budget_ids = dict(ledger.bulk_insert(BUDGETS, [
        {"company_id": company_id, "user_id": uid, "period_start": period.start,
         "period_end": period.end, "currency": currency, "policy_allocated_minor": 0,
         "available_account_id": account[f"available:{uid}:{start}"],
         "held_account_id": account[f"held:{uid}:{start}"],
         "spent_account_id": account[f"spent:{uid}:{start}"]} for uid in user_ids],
        returning=("user_id", "id")))
    return {uid: (budget_ids[uid], account[f"available:{uid}:{start}"], 0) for uid in user_ids}


def _set_budgets(column: str, values: Mapping[int, object]) -> None:
    """UPDATE budgets SET <column> per budget id (one statement per chunk) and write the new
    values onto budgets already loaded in the session."""
    ledger.bulk_update(BUDGETS, column, values)
    ledger.write_back(Budget, column, values.items())


def run_allocation(actor: User | None, company: Company, period: Period, as_of: date,
                   key: str | None = None,
                   progress: Callable[[int], None] | None = None) -> AllocationRun:
    """Allocate the period's entitlement to every active person of the company in one go.

    Idempotent: a second run in the same month allocates nothing; a run under a key already
    used returns the first run's result. Bulk: budgets are created and transactions written
    with a few statements per thousand people (`ledger.post_bulk`); the result is the same as
    calling `allocate_person` for each person (same keys, amounts and entries)."""
    if key is not None and (done := _run_under(company.id, key)) is not None:
        return done
    ledger.serialise(company.id, ledger.COMPANY_JOBS)
    if key is not None and (done := _run_under(company.id, key)) is not None:
        return done  # a twin run committed while we waited
    count, total = allocate_people(actor, company, period, as_of, progress=progress)
    run = AllocationRun(company_id=company.id, idempotency_key=key or f"run:{utcnow().isoformat()}",
                        period_start=period.start, as_of=as_of, people=count,
                        allocated_minor=total, actor_id=actor.id if actor else None)
    db.session.add(run)
    db.session.flush()
    audit.record(actor, company.id, "budgets.allocated", "allocation_run", run.id,
                 f"{period.label}: allocated {money(total, company.currency)} to {count} people",
                 None)
    return run


def allocate_people(actor: User | None, company: Company, period: Period, as_of: date,
                    user_ids: Sequence[int] | None = None,
                    progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Top up every active person (or only `user_ids`) to their entitlement with the bulk path;
    returns (people, amount). Same keys, amounts and entries as `allocate_person` per person."""
    progress = progress or (lambda n: None)
    resolver = Resolver(company.id)
    cutoff = min(as_of, period.end)
    query = (select(User.id, User.job_title, User.team_id, User.start_date)
             .where(User.company_id == company.id, User.status == UserStatus.ACTIVE.value,
                    (User.start_date.is_(None)) | (User.start_date <= cutoff)).order_by(User.id))
    if user_ids is None:
        people = db.session.execute(query).all()
        budgets = _budget_rows(company.id, period)
    else:
        ids = sorted(set(user_ids))
        people = [row for i in range(0, len(ids), ledger.ID_CHUNK) for row in db.session.execute(
            query.where(ledger.one_of(User.id, ids[i: i + ledger.ID_CHUNK])))]
        budgets = _budget_rows(company.id, period, ids)
    targets: dict[int, int] = {}
    for uid, job_title, team_id, start_date in people:
        policy = resolver.policy_for(job_title, team_id)
        if policy is not None:
            target = entitlement(policy, start_date, period, as_of)
            # policy_allocated only ever grows, so this pre-check stays true under the lock
            if target > (budgets[uid][2] if uid in budgets else 0):
                targets[uid] = target
    budgets.update(_create_budgets(company.id, [u for u in targets if u not in budgets],
                                   period, company.currency))
    grants = ledger.company_account(company.id, AccountKind.GRANTS, company.currency)
    ledger.lock_ids([grants.id] + [budgets[u][1] for u in targets])
    current = _budget_rows(company.id, period, list(targets))  # re-read under the lock
    total = count = 0
    uids = list(targets)
    for i in range(0, len(uids), CHUNK):
        postings, allocated = [], {}
        for uid in uids[i: i + CHUNK]:
            budget_id, available_id, already = current[uid]
            amount = targets[uid] - already
            if amount <= 0:
                continue
            allocated[budget_id] = targets[uid]
            total, count = total + amount, count + 1
            postings.append(ledger.Posting(
                company.id, TxKind.ALLOCATION.value, _allocation_key(uid, period, targets[uid]),
                ledger.transfer(grants.id, available_id, amount),
                reference=f"user:{uid}", reason=f"{period.label} allowance", user_id=uid))
        _set_budgets("policy_allocated_minor", allocated)
        ledger.post_bulk(actor, postings)
        progress(len(postings))
    return count, total


def _run_under(company_id: int, key: str) -> AllocationRun | None:
    return db.session.scalar(select(AllocationRun).where(
        AllocationRun.company_id == company_id, AllocationRun.idempotency_key == key))


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
            f"You can deduct at most {money(budget.available.balance_minor, c)} from {user.name}: "
            f"{money(budget.held.balance_minor, c)} is held for open requests and "
            f"{money(budget.spent.balance_minor, c)} is spent.", "amount_minor")
    tx = ledger.post(actor, ledger.Posting(
        user.company_id, TxKind.ADJUSTMENT.value, key,
        ledger.transfer(grants, budget.available, amount_minor), reference=f"user:{user.id}",
        reason=reason, user_id=user.id))
    audit.record(actor, user.company_id, "budget.adjusted", "user", user.id,
                 f"{period.label} budget of {user.name} {'+' if amount_minor > 0 else '−'}"
                 f"{money(abs(amount_minor), budget.currency)}: {reason}",
                 {"amount_minor": (None, amount_minor)})
    return tx


def _close_postings(company_id: int, period: Period, plan: list[tuple[int, int, int, int, int]],
                    carry_to: dict[int, int], expired_id: int) -> list[ledger.Posting]:
    """The rollover and expiry postings of a period close: `plan` rows are (budget, user,
    available account, carry, lapse); `carry_to` maps a user to next period's available."""
    nxt, postings = period.next(), []
    for budget_id, user_id, available_id, carry, lapse in plan:
        if carry > 0:
            postings.append(ledger.Posting(
                company_id, TxKind.ROLLOVER.value, f"rollover:{budget_id}",
                ledger.transfer(available_id, carry_to[user_id], carry),
                reference=f"user:{user_id}", reason=f"Rollover into {nxt.label}",
                user_id=user_id))
        if lapse > 0:
            postings.append(ledger.Posting(
                company_id, TxKind.EXPIRY.value, f"expiry:{budget_id}",
                ledger.transfer(available_id, expired_id, lapse),
                reference=f"user:{user_id}", reason=f"{period.label} ended", user_id=user_id))
    return postings


def close_period(actor: User | None, company: Company, period: Period) -> tuple[int, int]:
    """At a period end: roll over what is left up to each policy's cap, expire the rest;
    expire what is left in the team pools (key `expiry:pool:<pool id>`; they never roll over).

    Open holds stay on the old budget; if one is released later, its amount expires at once.
    Returns (rolled over, expired) in minor units. Idempotent per budget (keys
    `rollover:<budget id>` and `expiry:<budget id>`; a closed budget is skipped). Bulk: the
    balances are read under the lock of every touched account and the transactions are
    written by `ledger.post_bulk`."""
    ledger.serialise(company.id, ledger.COMPANY_JOBS)
    resolver = Resolver(company.id)
    nxt = period.next()
    expired_acc = ledger.company_account(company.id, AccountKind.EXPIRED, company.currency)
    rows = db.session.execute(
        select(Budget.id, Budget.user_id, Budget.available_account_id, User.job_title,
               User.team_id, User.status)
        .join(User, User.id == Budget.user_id)
        .where(Budget.company_id == company.id, Budget.period_start == period.start,
               Budget.closed_at.is_(None)).order_by(Budget.id)).all()
    pools = db.session.execute(
        select(TeamPool.id, TeamPool.team_id, TeamPool.account_id)
        .where(TeamPool.company_id == company.id, TeamPool.period_start == period.start,
               TeamPool.closed_at.is_(None)).order_by(TeamPool.id)).all()
    balances = ledger.lock_ids([expired_acc.id] + [r.available_account_id for r in rows]
                               + [p.account_id for p in pools])
    plan: list[tuple[int, int, int, int, int]] = []  # budget, user, available, carry, lapse
    for budget_id, user_id, available_id, job_title, team_id, status in rows:
        left = balances[available_id][1]
        policy = resolver.policy_for(job_title, team_id)
        cap = policy.rollover_cap_minor if policy and status == UserStatus.ACTIVE.value else 0
        carry = max(0, min(left, cap))
        plan.append((budget_id, user_id, available_id, carry, left - carry))
    carried = [user_id for _b, user_id, _a, carry, _l in plan if carry > 0]
    targets = _budget_rows(company.id, nxt, carried)
    targets.update(_create_budgets(company.id, [u for u in carried if u not in targets], nxt,
                                   company.currency))
    postings = _close_postings(company.id, period, plan,
                               {u: targets[u][1] for u in carried}, expired_acc.id)
    # What is left in a team pool never rolls over: it expires with the period.
    pool_left = {pool_id: balances[account_id][1] for pool_id, _t, account_id in pools}
    postings += [ledger.Posting(
        company.id, TxKind.EXPIRY.value, f"expiry:pool:{pool_id}",
        ledger.transfer(account_id, expired_acc.id, pool_left[pool_id]),
        reference=f"team:{team_id}", reason=f"{period.label} ended (team pool)")
        for pool_id, team_id, account_id in pools if pool_left[pool_id] > 0]
    ledger.post_bulk(actor, postings)
    now = utcnow()
    _set_budgets("closed_at", {budget_id: now for budget_id, *_rest in plan})
    ledger.bulk_update(ledger.table_of(TeamPool), "closed_at", {p.id: now for p in pools})
    ledger.write_back(TeamPool, "closed_at", ((p.id, now) for p in pools))
    rolled = sum(p[3] for p in plan)
    expired = sum(p[4] for p in plan if p[4] > 0) + sum(pool_left.values())
    audit.record(actor, company.id, "budgets.closed", "company", company.id,
                 f"{period.label} closed: {money(rolled, company.currency)} rolled over, "
                 f"{money(expired, company.currency)} expired", None)
    return rolled, expired
