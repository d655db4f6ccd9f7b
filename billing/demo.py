"""Demo money: policies, allocations for last and this fiscal year, a funded wallet, and last
year's spending history (holds, purchases, a refund) so the closed year has something to show.

Deterministic (seeded random). Last year's holds carry references like "demo:prev-7" (the
catalogue does not exist yet when this seeder runs) and are dated across that year through
`ledger.backfill` (demo data only). This year's spending comes from real learning requests
(pathways/requests/demo.py, seeded later), so it is linked to offerings and providers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.extensions import db
from app.models import Company, Team, User, UserStatus, utcnow

from . import budgets, holds, ledger, policies, pools, wallet
from .errors import InsufficientBudget
from .policies import Period, PolicyData, period_for


def _policies(admin: User, company: Company, allowance: int, engineering: int | None) -> None:
    policies.save_policy(admin, PolicyData("default", allowance, rollover_cap_minor=allowance // 4))
    if engineering is not None:
        policies.save_policy(admin, PolicyData("team", allowance * 3 // 2, team_id=engineering,
                                               rollover_cap_minor=allowance // 4,
                                               team_pools=True))
    policies.save_policy(admin, PolicyData("role", allowance * 2, accrual="monthly",
                                           job_title="Head of L&D"))


def _history(admin: User, company: Company, period: Period, rng: random.Random,
             tag: str) -> None:
    """Holds over the (past) period, each bought, refunded or released days after it."""
    ids = db.session.scalars(select(User.id).where(
        User.company_id == company.id, User.status == UserStatus.ACTIVE.value)
        .order_by(User.id)).all()  # ids, not 10,000 objects that every flush would scan
    days = max(1, (period.end - period.start).days - 30)
    for i, person_id in enumerate(rng.sample(ids, k=min(len(ids), 25))):
        person = db.session.get_one(User, person_id)
        price = rng.choice([9_900, 24_900, 45_000, 60_000, 120_000])
        at = datetime.combine(period.start + timedelta(days=rng.randint(0, days)), time(10))
        try:
            with ledger.backfill(at):
                hold = holds.hold(person, person, price, f"demo:{tag}-{i}",
                                  f"demo-hold-{tag}-{i}", on=at.date())
        except InsufficientBudget:
            continue
        fate = rng.random()
        if fate < 0.55:
            with ledger.backfill(at + timedelta(days=3)):
                holds.capture(admin, hold, f"demo-capture-{tag}-{i}", reason="Purchased (demo)")
            if fate < 0.08:
                with ledger.backfill(at + timedelta(days=24)):
                    holds.refund(admin, hold, price // 2, f"demo-refund-{tag}-{i}",
                                 "Provider refunded half (demo)")
        elif fate < 0.75:
            with ledger.backfill(at + timedelta(days=5)):
                holds.release(admin, hold, f"demo-release-{tag}-{i}", "Rejected (demo)")


def _pool(admin: User, manager: User | None, employee: User, team_id: int | None,
          period: Period) -> None:
    """Engineering's team pool this year: funded by L&D, one grant by Emma's manager."""
    team = db.session.get(Team, team_id) if team_id is not None else None
    if team is None or manager is None or employee.team_id != team.id:
        return
    def day(n: int) -> datetime:  # n days into the year, never later than now
        return min(_morning(period.start + timedelta(days=n)), utcnow())

    with ledger.backfill(day(14)):
        pools.fund(admin, team, 800_000, "Team conference and certification pot",
                   "demo-pool-engineering", period)
    with ledger.backfill(day(60)):
        pools.grant(manager, team, employee, 35_000, "Kubernetes certification exam",
                    "demo-pool-grant-emma", period)


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(8))


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """The billing part of `flask seed-demo` (registered with `app.demo.add_seeder`)."""
    rng = random.Random(7)
    today = date.today()
    for company, admin_email, allowance, funding in (
            (world.acme, "hr@acme.test", 150_000, 15_000_000),
            (world.globex, "hr@globex.test", 100_000, 2_000_000)):
        admin = world.people[admin_email]
        engineering = db.session.scalar(select(Team.id).where(
            Team.company_id == company.id, Team.name == "Engineering"))
        _policies(admin, company, allowance, engineering)
        current = period_for(company, today)
        previous = period_for(company, current.start.replace(year=current.start.year - 1))
        with ledger.backfill(_morning(previous.start)):  # each movement on the day it happened
            wallet.record_bank_transfer(admin, company, funding, "DEMO-OPENING", "demo-funding")
            budgets.run_allocation(admin, company, previous, previous.end, key="demo-previous")
        _history(admin, company, previous, rng, "prev")
        with ledger.backfill(_morning(current.start)):
            budgets.close_period(admin, company, previous)
            budgets.run_allocation(admin, company, current, today, key="demo-current")
        employee = world.people.get("employee@acme.test")
        if company is world.acme and employee is not None:
            budgets.adjust(admin, employee, 20_000, "Conference ticket agreed at review",
                           "demo-adjust-emma", current)
            _pool(admin, world.people.get("manager@acme.test"), employee, engineering, current)
    say("Billing: policies, budgets for two fiscal years, funded wallets and last year's "
        "spending history.")
