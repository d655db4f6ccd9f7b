"""The SQL aggregates behind the report dataset (one query per figure family, no per-person loops).

Every function takes the company id and an optional list of team ids (a team and its
descendants); people are attributed to their current team. Dates are inclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from app.extensions import db
from app.models import User, UserStatus
from billing.models import Budget, LedgerAccount, LedgerEntry, LedgerTransaction
from pathways.capabilities.models import (
    Capability,
    CapabilityLevel,
    Category,
    LevelChange,
    RoleAssignment,
    RoleRequirement,
)

TeamIds = Sequence[int] | None


def _in_scope(team_ids: TeamIds) -> Any:
    return User.team_id.in_(list(team_ids)) if team_ids is not None else literal(True)


def active_at(d: date) -> Any:
    """Employed on `d`: started by then and not yet left (people who left keep `left_on`)."""
    return and_(or_(User.start_date.is_(None), User.start_date <= d),
                or_(User.status == UserStatus.ACTIVE.value,
                    and_(User.left_on.is_not(None), User.left_on > d)))


def capabilities(company_id: int, ids: Sequence[int]) -> list[tuple[int, str, int, str, int]]:
    """(capability id, name, category id, category name, category position) for `ids`."""
    if not ids:
        return []
    return [tuple(r) for r in db.session.execute(  # type: ignore[misc]
        select(Capability.id, Capability.name, Category.id, Category.name, Category.position)
        .join(Category, Category.id == Capability.category_id)
        .where(Capability.company_id == company_id, Capability.id.in_(list(ids)))
        .order_by(Category.position, Category.name, Capability.name)).all()]


# --- levels gained ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    start: date
    end: date


def months(start: date, end: date) -> list[Bucket]:
    """Calendar months overlapping [start, end], clipped to it."""
    out, cur = [], date(start.year, start.month, 1)
    while cur <= end:
        nxt = date(cur.year + (cur.month == 12), cur.month % 12 + 1, 1)
        out.append(Bucket(max(cur, start), min(end, nxt - timedelta(days=1))))
        cur = nxt
    return out


def levels_gained(company_id: int, buckets: Sequence[Bucket], team_ids: TeamIds
                  ) -> list[tuple[int, int | None, int, int]]:
    """(bucket index, team id, category id, levels gained) for each bucket.

    Per person and capability, the gain in a bucket is max(0, level at its end − level at its
    start): the level of the bucket's last change minus the `previous_level` of its first (the
    level rule keeps the previous level on every change), so only the changes inside the
    bucket are read."""
    if not buckets:
        return []
    bucket = case(*((LevelChange.changed_on.between(b.start, b.end), literal(i))
                    for i, b in enumerate(buckets)), else_=literal(-1))
    # One ordered pass with window functions: each pair's changes in a bucket, with the
    # first change's previous level carried to the last one (no index seek per pair).
    pair = (LevelChange.user_id, LevelChange.capability_id, bucket)
    changes = (select(bucket.label("bucket"), User.team_id, LevelChange.capability_id,
                      LevelChange.level,
                      func.first_value(LevelChange.previous_level).over(
                          partition_by=pair, order_by=LevelChange.changed_on).label("start"),
                      func.lead(LevelChange.changed_on).over(
                          partition_by=pair, order_by=LevelChange.changed_on).label("next_on"))
               .join(User, User.id == LevelChange.user_id)
               .where(LevelChange.company_id == company_id,
                      LevelChange.changed_on.between(buckets[0].start, buckets[-1].end),
                      _in_scope(team_ids))
               .subquery("changes"))
    c = changes.c
    gain = func.sum(case((c.level > c.start, c.level - c.start), else_=0))
    rows = db.session.execute(
        select(c.bucket, c.team_id, Capability.category_id, gain)
        .join(Capability, Capability.id == c.capability_id)
        .where(c.next_on.is_(None), c.bucket >= 0)
        .group_by(c.bucket, c.team_id, Capability.category_id)).all()
    return [(int(b), t, int(c), int(g or 0)) for b, t, c, g in rows]


# --- money -----------------------------------------------------------------------------------

def _day_range(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)


def spend_by_team(company_id: int, start: date, end: date,
                  team_ids: TeamIds) -> dict[int | None, int]:
    """spend: captures minus refunds dated in the period, i.e. the movement of every `spent`
    account (only captures and refunds touch them), per budget owner's team."""
    lo, hi = _day_range(start, end)
    rows = db.session.execute(
        select(User.team_id, func.sum(LedgerEntry.amount_minor))
        .select_from(LedgerEntry)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(User, User.id == LedgerTransaction.user_id)
        .where(LedgerAccount.company_id == company_id, LedgerAccount.kind == "spent",
               LedgerTransaction.company_id == company_id,
               LedgerTransaction.created_at >= lo, LedgerTransaction.created_at < hi,
               _in_scope(team_ids))
        .group_by(User.team_id)).all()
    return {t: int(s or 0) for t, s in rows}


def spend_by_reference(company_id: int, start: date, end: date,
                       team_ids: TeamIds) -> list[tuple[str | None, int]]:
    """Spend per ledger reference ("request:42", …) in the period, for the catalogue join."""
    lo, hi = _day_range(start, end)
    rows = db.session.execute(
        select(LedgerTransaction.reference, func.sum(LedgerEntry.amount_minor))
        .select_from(LedgerEntry)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(User, User.id == LedgerTransaction.user_id)
        .where(LedgerAccount.company_id == company_id, LedgerAccount.kind == "spent",
               LedgerTransaction.company_id == company_id,
               LedgerTransaction.created_at >= lo, LedgerTransaction.created_at < hi,
               _in_scope(team_ids))
        .group_by(LedgerTransaction.reference)).all()
    return [(r, int(s or 0)) for r, s in rows]


GRANT_KINDS = ("allocation", "adjustment")


def _allocated_per_account(company_id: int, start: date, end: date) -> Any:
    """Subquery (account_id, allocated): what flowed into each `available` account as allowance
    (allocations, adjustments, rollovers in), so a closed budget keeps its full allocation."""
    amount = LedgerEntry.amount_minor
    granted = case((LedgerTransaction.kind.in_(GRANT_KINDS), amount),
                   (and_(LedgerTransaction.kind == "rollover", amount > 0), amount), else_=0)
    return (select(LedgerEntry.account_id, func.sum(granted).label("allocated"))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .join(Budget, Budget.available_account_id == LedgerEntry.account_id)
            .where(Budget.company_id == company_id, Budget.period_start <= end,
                   Budget.period_end >= start)
            .group_by(LedgerEntry.account_id).subquery())


def budgets_by_team(company_id: int, start: date, end: date,
                    team_ids: TeamIds) -> dict[int | None, dict[str, int]]:
    """Budgets whose fiscal period overlaps [start, end], per team: allocated, held, spent
    (the budgets' own balances, for utilisation) and people with a budget."""
    alloc = _allocated_per_account(company_id, start, end)
    held = LedgerAccount.__table__.alias("held_acc")
    spent = LedgerAccount.__table__.alias("spent_acc")
    rows = db.session.execute(
        select(User.team_id, func.coalesce(func.sum(alloc.c.allocated), 0),
               func.coalesce(func.sum(held.c.balance_minor), 0),
               func.coalesce(func.sum(spent.c.balance_minor), 0), func.count(Budget.id))
        .select_from(Budget)
        .join(User, User.id == Budget.user_id)
        .outerjoin(alloc, alloc.c.account_id == Budget.available_account_id)
        .join(held, held.c.id == Budget.held_account_id)
        .join(spent, spent.c.id == Budget.spent_account_id)
        .where(Budget.company_id == company_id, Budget.period_start <= end,
               Budget.period_end >= start, _in_scope(team_ids))
        .group_by(User.team_id)).all()
    return {t: {"allocated": int(a), "held": int(h), "spent": int(s), "budgets": int(n)}
            for t, a, h, s, n in rows}


def forecast_rows(company_id: int, period_start: date, today: date, period_end: date,
                  team_ids: TeamIds, limit: int | None = None, per_team: bool = False
                  ) -> list[tuple[Any, ...]]:
    """Projected unspent budget at the end of the fiscal period containing `today`.

    Each budget keeps spending at its own pace so far (spent ÷ days elapsed × days left),
    capped at what is still available; what is left then is projected to go unspent.
    Rows: per person (user id, name, team id, available, projected unspent) biggest first,
    or per team (team id, available, projected unspent, budgets)."""
    elapsed = max(1, (min(today, period_end) - period_start).days + 1)
    left = max(0, (period_end - today).days)
    avail = LedgerAccount.__table__.alias("avail_acc")
    spent = LedgerAccount.__table__.alias("spent_acc")
    pace = spent.c.balance_minor * literal(1.0) * literal(left) / literal(elapsed)
    unspent = case((avail.c.balance_minor <= pace, literal(0)),
                   else_=avail.c.balance_minor - pace)
    base = (select().select_from(Budget)
            .join(User, User.id == Budget.user_id)
            .join(avail, avail.c.id == Budget.available_account_id)
            .join(spent, spent.c.id == Budget.spent_account_id)
            .where(Budget.company_id == company_id, Budget.period_start == period_start,
                   Budget.closed_at.is_(None), User.status == UserStatus.ACTIVE.value,
                   _in_scope(team_ids)))
    if per_team:
        query = base.add_columns(User.team_id, func.sum(avail.c.balance_minor),
                                 func.sum(unspent), func.count()).group_by(User.team_id)
        return [(t, int(a or 0), round(u or 0), int(n)) for t, a, u, n in
                db.session.execute(query).all()]
    u = unspent.label("unspent")
    query = (base.add_columns(User.id, User.name, User.team_id, avail.c.balance_minor, u)
             .where(avail.c.balance_minor > 0).order_by(u.desc(), User.name).limit(limit))
    return [(i, n, t, int(a), round(x)) for i, n, t, a, x in db.session.execute(query).all()]


# --- gaps ------------------------------------------------------------------------------------

def largest_gaps(company_id: int, team_ids: TeamIds, limit: int = 10) -> list[tuple[Any, ...]]:
    """(capability id, weighted gap, total gap, people with a gap, people required) for the
    largest weighted gaps today: gap(e, c) × weight summed over the group's active people."""
    gap = case((RoleRequirement.level > func.coalesce(CapabilityLevel.level, 0),
                RoleRequirement.level - func.coalesce(CapabilityLevel.level, 0)), else_=0)
    weighted = func.sum(gap * RoleRequirement.weight).label("weighted")
    rows = db.session.execute(
        select(RoleRequirement.capability_id, weighted, func.sum(gap),
               func.sum(case((gap > 0, 1), else_=0)), func.count())
        .select_from(RoleAssignment)
        .join(User, User.id == RoleAssignment.user_id)
        .join(RoleRequirement, RoleRequirement.role_id == RoleAssignment.role_id)
        .join(Capability, Capability.id == RoleRequirement.capability_id)
        .outerjoin(CapabilityLevel, and_(CapabilityLevel.user_id == RoleAssignment.user_id,
                                         CapabilityLevel.capability_id
                                         == RoleRequirement.capability_id))
        .where(RoleAssignment.company_id == company_id, User.status == UserStatus.ACTIVE.value,
               Capability.retired_at.is_(None), _in_scope(team_ids))
        .group_by(RoleRequirement.capability_id)
        .order_by(weighted.desc(), RoleRequirement.capability_id).limit(limit)).all()
    return [(c, int(w or 0), int(g or 0), int(p or 0), int(n)) for c, w, g, p, n in rows
            if (w or 0) > 0]


def potential_mentors(company_id: int, capability_ids: Sequence[int],
                      min_level: int = 4) -> dict[int, int]:
    """Active colleagues at `min_level` or above in each capability (who could mentor)."""
    if not capability_ids:
        return {}
    rows = db.session.execute(
        select(CapabilityLevel.capability_id, func.count())
        .join(User, User.id == CapabilityLevel.user_id)
        .where(CapabilityLevel.company_id == company_id,
               CapabilityLevel.capability_id.in_(list(capability_ids)),
               CapabilityLevel.level >= min_level, User.status == UserStatus.ACTIVE.value)
        .group_by(CapabilityLevel.capability_id)).all()
    return {c: int(n) for c, n in rows}
