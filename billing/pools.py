"""Team pools: an admin funds a team's pool for a period; the team's manager grants from it.

Ledger (see the chart of accounts in `billing.ledger`):

    funding     grants → team_pool:T:P            kind allocation, reference "team:T"
    taking back team_pool:T:P → grants            kind adjustment, reference "team:T"
    grant       team_pool:T:P → available:U:P     kind allocation, reference "user:U", user U
    period end  team_pool:T:P → expired           kind expiry (in `budgets.close_period`)

A pool's balance comes from its entries only and can never go below zero: every movement out of
a pool locks the pool account (with the other accounts it touches, in ascending id order) and
re-reads its balance under the lock. Every function takes the actor, flushes, never commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.errors import PermissionDenied
from app.extensions import db
from app.models import Company, Team, User, UserStatus
from app.money import money

from . import ledger
from .budgets import budget_for
from .errors import BudgetError, InsufficientBudget
from .models import AccountKind, Budget, LedgerAccount, LedgerTransaction, TeamPool, TxKind
from .policies import Period, Resolver


def pool_code(team_id: int, period: Period) -> str:
    """The ledger code of a team's pool account for a period."""
    return f"{AccountKind.TEAM_POOL.value}:{team_id}:{period.start.isoformat()}"


def find_pool(company_id: int, team_id: int, period: Period) -> TeamPool | None:
    return db.session.scalar(select(TeamPool).where(
        TeamPool.company_id == company_id, TeamPool.team_id == team_id,
        TeamPool.period_start == period.start))


def pool_for(team: Team, period: Period, currency: str) -> TeamPool:
    """The team's pool for `period`, created (empty) on first use; safe under concurrency."""
    found = find_pool(team.company_id, team.id, period)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            account = LedgerAccount(company_id=team.company_id, code=pool_code(team.id, period),
                                    kind=AccountKind.TEAM_POOL.value, currency=currency,
                                    balance_minor=0)
            pool = TeamPool(company_id=team.company_id, team_id=team.id,
                            period_start=period.start, period_end=period.end, currency=currency,
                            account=account)
            db.session.add(pool)
        return pool
    except IntegrityError:
        found = find_pool(team.company_id, team.id, period)
        assert found is not None
        return found


def managed_team_ids(actor: User) -> list[int]:
    """The teams a manager grants for: those of their active direct reports."""
    return sorted(db.session.scalars(select(User.team_id).distinct().where(
        User.company_id == actor.company_id, User.manager_id == actor.id,
        User.status == UserStatus.ACTIVE.value, User.team_id.is_not(None))))


def can_manage(actor: User, team: Team) -> bool:
    """Admins see and grant from every pool; a manager from the pools of their reports' teams."""
    if actor.company_id != team.company_id:
        return False
    return actor.has_role("admin") or (actor.has_role("manager")
                                       and team.id in managed_team_ids(actor))


def eligible_people(actor: User, team: Team) -> list[User]:
    """Whom `actor` may grant to from `team`'s pool: the team's active members who are the
    actor's direct reports (an admin: every active member), never the actor."""
    query = select(User).where(User.company_id == team.company_id, User.team_id == team.id,
                               User.status == UserStatus.ACTIVE.value, User.id != actor.id)
    if not actor.has_role("admin"):
        query = query.where(User.manager_id == actor.id)
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise BudgetError("Say why; the reason is kept in the ledger.", "reason")
    return text


def _open(pool: TeamPool | None, team: Team, period: Period) -> None:
    """Refuse to move money in a period that was closed (its pools expired already)."""
    closed = pool.closed_at is not None if pool is not None else db.session.scalar(
        select(Budget.id).where(Budget.company_id == team.company_id,
                                Budget.period_start == period.start,
                                Budget.closed_at.is_not(None)).limit(1)) is not None
    if closed:
        raise BudgetError(f"{period.label} is closed: what was left in the {team.name} pool "
                          "has expired. Choose the current year.", "amount_minor")


def fund(actor: User, team: Team, amount_minor: int, reason: str, key: str,
         period: Period) -> LedgerTransaction:
    """Fund a team's pool from the company's allowance (positive) or take some back (negative,
    never more than the pool still holds). Audited."""
    reason = _reason(reason)
    if amount_minor == 0:
        raise BudgetError("Enter an amount other than zero.", "amount_minor")
    kind = (TxKind.ALLOCATION if amount_minor > 0 else TxKind.ADJUSTMENT).value
    reference = f"team:{team.id}"
    done = ledger.existing(team.company_id, key, kind, reference)
    if done is not None:
        return done
    if not Resolver(team.company_id).pools_enabled(team.id):
        raise BudgetError(f"Team pools are off for {team.name}: switch on “Team pools” in its "
                          "budget policy or the company default.", "team_id")
    currency = db.session.get(Company, team.company_id).currency  # type: ignore[union-attr]
    # Like a period close (which it must not race: a pool created meanwhile would stay open in
    # a closed year), funding is a company-wide money job: one at a time.
    ledger.serialise(team.company_id, ledger.COMPANY_JOBS)
    pool = find_pool(team.company_id, team.id, period)
    _open(pool, team, period)
    if pool is None and amount_minor > 0:
        pool = pool_for(team, period, currency)
    if pool is None:
        raise InsufficientBudget(f"The {team.name} pool holds nothing in {period.label}.",
                                 "amount_minor")
    grants = ledger.company_account(team.company_id, AccountKind.GRANTS, currency)
    ledger.lock([grants, pool.account])
    done = ledger.existing(team.company_id, key, kind, reference)
    if done is not None:  # a twin with the same key committed while we waited for the lock
        return done
    if -amount_minor > pool.account.balance_minor:
        raise InsufficientBudget(
            f"You can take back at most {money(pool.account.balance_minor, currency)}: the rest "
            f"of the {team.name} pool was granted already.", "amount_minor")
    tx = ledger.post(actor, ledger.Posting(
        team.company_id, kind, key, ledger.transfer(grants, pool.account, amount_minor),
        reference=reference, reason=f"{team.name} pool: {reason}"))
    verb = "funded" if amount_minor > 0 else "reduced"
    audit.record(actor, team.company_id, "team_pool.funded", "team", team.id,
                 f"{period.label} pool of {team.name} {verb} by "
                 f"{money(abs(amount_minor), currency)}: {reason}",
                 {"amount_minor": (None, amount_minor)})
    return tx


def grant(actor: User, team: Team, employee: User, amount_minor: int, reason: str, key: str,
          period: Period) -> LedgerTransaction:
    """Move `amount_minor` from the team's pool into one person's budget (never more than the
    pool holds). A manager grants to their own reports in the team; an admin to any member."""
    reason = _reason(reason)
    if amount_minor <= 0:
        raise BudgetError("Enter an amount above zero.", "amount_minor")
    reference = f"user:{employee.id}"
    done = ledger.existing(team.company_id, key, TxKind.ALLOCATION.value, reference)
    if done is not None:
        return done
    if employee.id == actor.id:
        raise PermissionDenied("You cannot grant to your own budget; your manager or an admin "
                               "can.", "employee_id")
    if employee not in eligible_people(actor, team):
        raise PermissionDenied(f"{employee.name} is not one of your reports in {team.name}.",
                               "employee_id")
    pool = find_pool(team.company_id, team.id, period)
    _open(pool, team, period)
    if pool is None:
        raise InsufficientBudget(f"The {team.name} pool for {period.label} is empty; ask an "
                                 "admin to fund it.", "amount_minor")
    budget = budget_for(employee, period)
    if budget.closed_at is not None:
        raise BudgetError(f"{period.label} is closed for {employee.name}; choose the current "
                          "year.", "amount_minor")
    ledger.lock([pool.account, budget.available])
    done = ledger.existing(team.company_id, key, TxKind.ALLOCATION.value, reference)
    if done is not None:
        return done
    left = pool.account.balance_minor
    if amount_minor > left:
        raise InsufficientBudget(
            f"The {team.name} pool holds only {money(left, pool.currency)}; grant at most that "
            "or ask an admin to fund the pool.", "amount_minor")
    tx = ledger.post(actor, ledger.Posting(
        team.company_id, TxKind.ALLOCATION.value, key,
        ledger.transfer(pool.account, budget.available, amount_minor), reference=reference,
        reason=f"{team.name} pool: {reason}", user_id=employee.id))
    audit.record(actor, team.company_id, "team_pool.granted", "user", employee.id,
                 f"{money(amount_minor, pool.currency)} from the {period.label} pool of "
                 f"{team.name} to {employee.name}: {reason}", {"amount_minor": (None, amount_minor)})
    return tx
