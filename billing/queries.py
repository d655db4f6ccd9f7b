"""Read side: aggregates in SQL for budget tables, cards, histories and totals (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Team, User, UserStatus
from app.search import contains_text

from .models import Budget, LedgerAccount, LedgerEntry, LedgerTransaction, TeamPool, TxKind
from .policies import Period

# A select of several columns, whatever their types (SQLAlchemy 2.1 types each column).
Rows: TypeAlias = Select[*tuple[Any, ...]]

Avail, Held, Spent = (aliased(LedgerAccount, name=n) for n in ("avail", "held", "spent"))


def _with_accounts(query: Rows) -> Rows:
    return (query.join(Avail, Avail.id == Budget.available_account_id)
            .join(Held, Held.id == Budget.held_account_id)
            .join(Spent, Spent.id == Budget.spent_account_id))


def allocation_rows(company_id: int, period: Period, q: str | None = None,
                    team_id: int | None = None) -> Rows:
    """One row per active person (and anyone with a budget) with the period's balances."""
    available = func.coalesce(Avail.balance_minor, 0)
    held = func.coalesce(Held.balance_minor, 0)
    spent = func.coalesce(Spent.balance_minor, 0)
    allocated = available + held + spent
    utilisation = case((allocated > 0, (held + spent) * literal(1.0) / allocated), else_=None)
    query = (select(User.id, User.name, User.email, Team.name.label("team"),
                    allocated.label("allocated_minor"), held.label("held_minor"),
                    spent.label("spent_minor"), available.label("available_minor"),
                    utilisation.label("utilisation"))
             .select_from(User)
             .outerjoin(Team, Team.id == User.team_id)
             .outerjoin(Budget, (Budget.user_id == User.id)
                        & (Budget.period_start == period.start)))
    query = (query.outerjoin(Avail, Avail.id == Budget.available_account_id)
             .outerjoin(Held, Held.id == Budget.held_account_id)
             .outerjoin(Spent, Spent.id == Budget.spent_account_id)
             .where(User.company_id == company_id,
                    (User.status == UserStatus.ACTIVE.value) | Budget.id.is_not(None)))
    if q:
        query = query.where(contains_text(q, User.name, User.email))
    if team_id:
        query = query.where(User.team_id == team_id)
    return query.order_by(User.name, User.id)


@dataclass(frozen=True)
class Balances:
    period: Period
    currency: str
    allocated_minor: int
    held_minor: int
    spent_minor: int
    available_minor: int

    @property
    def utilisation(self) -> float | None:
        if self.allocated_minor <= 0:
            return None
        return (self.held_minor + self.spent_minor) / self.allocated_minor

    def json(self) -> dict[str, Any]:
        return {"period": self.period.start.isoformat(), "period_end": self.period.end.isoformat(),
                "period_label": self.period.label, "currency": self.currency,
                "allocated_minor": self.allocated_minor, "held_minor": self.held_minor,
                "spent_minor": self.spent_minor, "available_minor": self.available_minor}


def _balances(where: Any, period: Period, currency: str) -> Balances:
    row = db.session.execute(_with_accounts(select(
        func.coalesce(func.sum(Avail.balance_minor), 0),
        func.coalesce(func.sum(Held.balance_minor), 0),
        func.coalesce(func.sum(Spent.balance_minor), 0)).select_from(Budget))
        .where(where, Budget.period_start == period.start)).one()
    available, held, spent = (int(v) for v in row)
    return Balances(period, currency, available + held + spent, held, spent, available)


def person_balances(user: User, period: Period) -> Balances:
    return _balances(Budget.user_id == user.id, period, user.company.currency)


def company_balances(company_id: int, currency: str, period: Period) -> Balances:
    return _balances(Budget.company_id == company_id, period, currency)


def _delta(kind: str) -> Any:
    return func.coalesce(func.sum(case((LedgerAccount.kind == kind, LedgerEntry.amount_minor),
                                       else_=0)), 0).label(f"{kind}_minor")


def _sum_on(kinds: tuple[str, ...]) -> Any:
    return func.coalesce(func.sum(case((LedgerAccount.kind.in_(kinds), LedgerEntry.amount_minor),
                                       else_=0)), 0)


WALLET_CHANGE = _sum_on(("wallet",))
# The company's unspent allowance: what sits in budgets and pools. Grants, expiry and spend are
# outside it, so an allocation raises it, a capture or an expiry lowers it, a hold, a release, a
# pool grant or a rollover only moves it around (0).
ALLOWANCE_CHANGE = _sum_on(("available", "held", "team_pool"))
# What moved, once: the cash when the wallet moved (a capture also moves allowance by the same
# amount, and summing both legs counted it twice), else the largest single leg (a transfer's two
# legs, or a release that lapses at once in a closed period, carry the same amount).
MOVED = case((WALLET_CHANGE != 0, func.abs(WALLET_CHANGE)),
             else_=func.max(case((LedgerEntry.amount_minor > 0, LedgerEntry.amount_minor),
                                 else_=0)))
# True date order: back-filled and demo transactions have later ids than their posting times.
NEWEST_FIRST = (LedgerTransaction.created_at.desc(), LedgerTransaction.id.desc())


def person_transactions(user: User) -> Rows:
    """The person's transactions, newest first (posted time, then id), with the amount that
    moved and what each did to available/held/spent."""
    actor = aliased(User, name="actor")
    return (select(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.kind,
                   LedgerTransaction.reference, LedgerTransaction.reason,
                   actor.name.label("actor_name"), MOVED.label("amount_minor"),
                   _delta("available"), _delta("held"), _delta("spent"))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .outerjoin(actor, actor.id == LedgerTransaction.actor_id)
            .where(LedgerTransaction.company_id == user.company_id,
                   LedgerTransaction.user_id == user.id)
            .group_by(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.kind,
                      LedgerTransaction.reference, LedgerTransaction.reason, actor.name)
            .order_by(*NEWEST_FIRST))


def company_transactions(company_id: int, kind: str | None = None,
                         since: date | None = None) -> Rows:
    """Every transaction of the company, newest first (posted time, then id), with the amount
    that moved, its cash effect (the wallet) and its allowance effect (budgets and pools)."""
    actor, person = aliased(User, name="actor"), aliased(User, name="person")
    query = (select(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.kind,
                    LedgerTransaction.reference, LedgerTransaction.reason,
                    person.name.label("person_name"), actor.name.label("actor_name"),
                    WALLET_CHANGE.label("wallet_minor"),
                    ALLOWANCE_CHANGE.label("allowance_minor"), MOVED.label("moved_minor"))
             .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
             .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
             .outerjoin(actor, actor.id == LedgerTransaction.actor_id)
             .outerjoin(person, person.id == LedgerTransaction.user_id)
             .where(LedgerTransaction.company_id == company_id)
             .group_by(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.kind,
                       LedgerTransaction.reference, LedgerTransaction.reason, person.name,
                       actor.name)
             .order_by(*NEWEST_FIRST))
    if kind:
        query = query.where(LedgerTransaction.kind == kind)
    if since:
        query = query.where(LedgerTransaction.created_at >= since)
    return query


def pool_rows(company_id: int, period: Period,
              team_ids: list[int] | None = None) -> list[Any]:
    """One row per team (all, or `team_ids`) with its pool for the period, from the entries:
    funded (net of money taken back), granted to people, expired, and left (the balance)."""
    amount = LedgerEntry.amount_minor
    granted = LedgerTransaction.user_id.is_not(None)
    expired = LedgerTransaction.kind == TxKind.EXPIRY.value
    moves = (select(LedgerEntry.account_id,
                    func.sum(case((granted, -amount), else_=0)).label("granted"),
                    func.sum(case((expired, -amount), else_=0)).label("expired"),
                    func.sum(case((granted | expired, 0), else_=amount)).label("funded"))
             .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
             .join(TeamPool, TeamPool.account_id == LedgerEntry.account_id)
             .where(TeamPool.company_id == company_id, TeamPool.period_start == period.start)
             .group_by(LedgerEntry.account_id).subquery())
    query = (select(Team.id, Team.name, TeamPool.id.label("pool_id"), TeamPool.closed_at,
                    func.coalesce(moves.c.funded, 0).label("funded_minor"),
                    func.coalesce(moves.c.granted, 0).label("granted_minor"),
                    func.coalesce(moves.c.expired, 0).label("expired_minor"),
                    func.coalesce(LedgerAccount.balance_minor, 0).label("left_minor"))
             .select_from(Team)
             .outerjoin(TeamPool, (TeamPool.team_id == Team.id)
                        & (TeamPool.period_start == period.start))
             .outerjoin(LedgerAccount, LedgerAccount.id == TeamPool.account_id)
             .outerjoin(moves, moves.c.account_id == TeamPool.account_id)
             .where(Team.company_id == company_id))
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    return list(db.session.execute(query.order_by(Team.name, Team.id)).all())


def pool_json(row: Any, period: Period, currency: str) -> dict[str, Any]:
    return {"team_id": row.id, "team": row.name, "period": period.start.isoformat(),
            "period_end": period.end.isoformat(), "period_label": period.label,
            "currency": currency, "funded_minor": int(row.funded_minor),
            "granted_minor": int(row.granted_minor), "expired_minor": int(row.expired_minor),
            "available_minor": int(row.left_minor), "closed": row.closed_at is not None}


def pool_transactions(account_id: int | None) -> Rows:
    """Every movement of one pool account, newest first (posted time, then id), with whose
    budget it went to."""
    actor, person = aliased(User, name="actor"), aliased(User, name="person")
    return (select(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.kind,
                   LedgerTransaction.reason, person.name.label("person_name"),
                   actor.name.label("actor_name"), LedgerEntry.amount_minor.label("pool_minor"))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .outerjoin(actor, actor.id == LedgerTransaction.actor_id)
            .outerjoin(person, person.id == LedgerTransaction.user_id)
            .where(LedgerEntry.account_id == (account_id or 0))
            .order_by(*NEWEST_FIRST))
