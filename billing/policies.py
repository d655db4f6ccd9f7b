"""Budget policies: fiscal periods, which policy applies to whom, and what it entitles them to.

Resolution (most specific wins): a policy for the person's role (job title, case-insensitive),
then one for their own team, then for the nearest parent team, then the company default.

Entitlement for a period, as of a date:
- `upfront`: the whole annual allowance on the first day (or on the joining day).
- `monthly`: 1/12 per month that has started, the month of `as_of` included.
- joiners (start date inside the period, `prorate_joiners`): only the months from the joining
  month on count, i.e. allowance × eligible months ÷ 12.
Amounts round down to the minor unit on the cumulative figure, so twelve monthly accruals add up
to exactly the annual allowance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import Company, Team, User

from .errors import BudgetError
from .models import BudgetPolicy

SCOPES = ("default", "team", "role")
ACCRUALS = ("upfront", "monthly")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.start.month == 1:
            return f"FY{self.start.year}"
        return f"FY{self.start.year}/{str(self.end.year)[2:]}"

    def days_left(self, today: date) -> int:
        return max(0, (self.end - max(today, self.start)).days + 1) if today <= self.end else 0

    def next(self) -> Period:
        return period_starting(self.end + timedelta(days=1))


def period_starting(start: date) -> Period:
    return Period(start, date(start.year + 1, start.month, 1) - timedelta(days=1))


def period_for(company: Company, on: date) -> Period:
    """The fiscal year of `company` that contains `on`."""
    month = company.fiscal_year_start_month or 1
    year = on.year if on.month >= month else on.year - 1
    return period_starting(date(year, month, 1))


def parse_period(company: Company, raw: str | None, today: date) -> Period:
    """'2026' (the fiscal year starting in 2026), a date inside the period, or None (today's)."""
    if not raw:
        return period_for(company, today)
    raw = raw.strip()
    try:
        if raw.isdigit() and len(raw) == 4:
            return period_starting(date(int(raw), company.fiscal_year_start_month or 1, 1))
        return period_for(company, date.fromisoformat(raw))
    except ValueError as exc:
        raise BudgetError("Give the period as a year like 2026 or a date like 2026-03-01.",
                          "period") from exc


def months_between(start: date, end: date) -> int:
    """Started months from start's month to end's month, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def entitlement(policy: BudgetPolicy, start_date: date | None, period: Period, as_of: date) -> int:
    """What `policy` entitles a person who started on `start_date` to in `period` by `as_of`."""
    if as_of < period.start:
        return 0
    first = period.start
    if start_date is not None and start_date > period.start:
        if start_date > min(as_of, period.end):
            return 0
        if policy.prorate_joiners:
            first = date(start_date.year, start_date.month, 1)
    last = period.end if policy.accrual == "upfront" else min(as_of, period.end)
    return policy.annual_allowance_minor * months_between(first, last) // 12


class Resolver:
    """Picks each person's policy from one load of the company's policies and teams."""

    def __init__(self, company_id: int) -> None:
        policies = db.session.scalars(select(BudgetPolicy).where(
            BudgetPolicy.company_id == company_id)).all()
        self.default = next((p for p in policies if p.scope == "default"), None)
        self.by_team = {p.team_id: p for p in policies if p.scope == "team"}
        self.by_role = {(p.job_title or "").strip().lower(): p for p in policies
                        if p.scope == "role"}
        self.parents = dict(db.session.execute(
            select(Team.id, Team.parent_id).where(Team.company_id == company_id)).all())

    def policy_for(self, job_title: str | None, team_id: int | None) -> BudgetPolicy | None:
        role = (job_title or "").strip().lower()
        if role and role in self.by_role:
            return self.by_role[role]
        seen: set[int] = set()
        while team_id is not None and team_id not in seen:
            if team_id in self.by_team:
                return self.by_team[team_id]
            seen.add(team_id)
            team_id = self.parents.get(team_id)
        return self.default

    def pools_enabled(self, team_id: int | None) -> bool:
        """Whether `team_id` may have a pool: its nearest team policy decides, else the default."""
        seen: set[int] = set()
        while team_id is not None and team_id not in seen:
            if team_id in self.by_team:
                return bool(self.by_team[team_id].team_pools)
            seen.add(team_id)
            team_id = self.parents.get(team_id)
        return bool(self.default and self.default.team_pools)


def policy_for(user: User) -> BudgetPolicy | None:
    return Resolver(user.company_id).policy_for(user.job_title, user.team_id)


@dataclass
class PolicyData:
    scope: str
    annual_allowance_minor: int
    accrual: str = "upfront"
    prorate_joiners: bool = True
    rollover_cap_minor: int = 0
    team_id: int | None = None
    job_title: str | None = None
    team_pools: bool = False


def _scope_key(data: PolicyData) -> str:
    if data.scope == "team":
        return f"team:{data.team_id}"
    if data.scope == "role":
        return f"role:{(data.job_title or '').strip().lower()}"
    return "default"


def save_policy(actor: User, data: PolicyData, policy: BudgetPolicy | None = None) -> BudgetPolicy:
    """Create or change a policy (audited). One policy per scope: default, each team, each role."""
    company_id = actor.company_id
    if data.scope not in SCOPES:
        raise BudgetError("Choose default, team or role.", "scope")
    if data.accrual not in ACCRUALS:
        raise BudgetError("Choose upfront or monthly accrual.", "accrual")
    if data.annual_allowance_minor < 0:
        raise BudgetError("The annual allowance cannot be negative.", "annual_allowance_minor")
    if data.rollover_cap_minor < 0:
        raise BudgetError("The rollover cap cannot be negative (0 means nothing rolls over).",
                          "rollover_cap_minor")
    if data.scope == "team" and (data.team_id is None or db.session.scalar(select(Team.id).where(
            Team.id == data.team_id, Team.company_id == company_id)) is None):
            raise BudgetError("Choose one of your teams.", "team_id")
    if data.scope == "role" and not (data.job_title or "").strip():
        raise BudgetError("Enter the job title this policy applies to.", "job_title")
    key = _scope_key(data)
    clash = db.session.scalar(select(BudgetPolicy).where(
        BudgetPolicy.company_id == company_id, BudgetPolicy.scope_key == key))
    if clash is not None and clash is not policy:
        raise BudgetError("A policy for this scope exists already; edit that one instead.",
                          "scope")
    before = _snapshot(policy) if policy else {}
    if policy is None:
        policy = BudgetPolicy(company_id=company_id)
        db.session.add(policy)
    policy.scope, policy.scope_key = data.scope, key
    policy.team_id = data.team_id if data.scope == "team" else None
    policy.job_title = (data.job_title or "").strip() if data.scope == "role" else None
    policy.annual_allowance_minor = data.annual_allowance_minor
    policy.accrual, policy.prorate_joiners = data.accrual, data.prorate_joiners
    policy.rollover_cap_minor = data.rollover_cap_minor
    policy.team_pools = data.team_pools and data.scope != "role"  # pools belong to teams
    db.session.flush()
    audit.record(actor, company_id, "budget_policy.saved", "budget_policy", policy.id,
                 f"Budget policy {key} saved", audit.diff(before, _snapshot(policy)))
    return policy


def delete_policy(actor: User, policy: BudgetPolicy) -> None:
    audit.record(actor, policy.company_id, "budget_policy.deleted", "budget_policy", policy.id,
                 f"Budget policy {policy.scope_key} deleted", None)
    db.session.delete(policy)
    db.session.flush()


def _snapshot(p: BudgetPolicy) -> dict[str, object]:
    return {"scope": p.scope_key, "annual_allowance_minor": p.annual_allowance_minor,
            "accrual": p.accrual, "prorate_joiners": p.prorate_joiners,
            "rollover_cap_minor": p.rollover_cap_minor, "team_pools": bool(p.team_pools)}
