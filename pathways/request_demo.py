"""Demo learning requests (seeded after billing 30, the catalogue 60 and mentoring 65).

A realistic mix in every state over the current and the previous fiscal year, made through the
request services so the ledger stays consistent (`flask ledger verify` passes after seed-demo):

- current year: requests waiting for a manager or an admin, approved (Globex buys by hand),
  purchased, completed, rejected, cancelled, partly and fully refunded; the demo employee has
  one of each of the common states and her manager has her pending request in the inbox;
- previous year: the year is already closed by the billing seeder, so each request there is
  funded by an explicit back-fill adjustment ("demo back-fill") and taken to a final state
  (completed, refunded, rejected, cancelled) — released money lapses with the closed year.

Deterministic (seeded random). Request dates (`created_at` and the status history) are spread
over each year; ledger transactions keep their real time (the ledger is never edited).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.extensions import db
from app.models import Company, User, UserRole, UserStatus
from billing import budgets
from billing.errors import BudgetError
from billing.policies import Period, period_for

from . import catalogue
from . import requests as svc
from .catalogue_models import Offering
from .request_models import LearningRequest

NOTES = ["Needed for the controller rewrite next quarter.", "Agreed in my last 1:1.",
         "Closes my biggest gap for the target role.", "The team will reuse what I learn.",
         None, "Prep for the certification exam.", None, "Recommended by my mentor."]
# Fates of current-year requests (weights): how far each one gets.
FATES = [("pending", 5), ("rejected", 2), ("cancelled", 1), ("approved", 2), ("purchased", 3),
         ("completed", 5),
         ("partial_refund", 1), ("refunded", 1)]
PAST_FATES = [("completed", 6), ("rejected", 2), ("cancelled", 1), ("refunded", 1),
              ("partial_refund", 1)]
GLOBEX_OFFERINGS = [("Lean manufacturing essentials", 42_000, 14), ("Negotiation workshop",
                    68_000, 8), ("Excel for operations", 9_900, 6)]


def _approve_fully(req: LearningRequest) -> None:
    while req.status == "pending":
        approvers = svc.approvers_for(req)
        if not approvers:
            return
        svc.approve(approvers[0], req, "Approved (demo)")


def _admin(company: Company) -> User | None:
    return db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.company_id == company.id, UserRole.role == "admin").order_by(User.id).limit(1))


def _take(req: LearningRequest, fate: str, admin: User, rng: random.Random, n: int) -> None:
    """Move a fresh request to `fate` through the services."""
    if fate == "pending" or (fate in ("cancelled", "rejected") and req.status != "pending"):
        return  # (an auto-approved pathway step is bought already)
    if fate == "cancelled":
        svc.cancel(req.requester, req, "Found a free alternative (demo)")
        return
    if fate == "rejected":
        approver = (svc.approvers_for(req) or [admin])[0]
        svc.reject(approver, req, rng.choice(["Not this quarter.", "Let's pick a cheaper "
                                              "option together.", "Out of scope for the role."]))
        return
    _approve_fully(req)
    if fate == "approved":
        return  # waits for the purchase (manual purchase mode) or for wallet funds
    if req.status == "approved":
        svc.purchase(admin, req, f"PO-{2026 + n:04d}-{req.id:04d}")
    if req.status != "purchased":
        return
    if fate in ("completed", "partial_refund"):
        svc.complete(req.requester, req, "Finished; certificate on file (demo).")
    if fate == "partial_refund":
        svc.refund(admin, req, req.captured_minor // 4, f"demo-{req.id}",
                   "Provider credit for a missed session (demo)")
    elif fate == "refunded":
        svc.refund(admin, req, None, f"demo-{req.id}", "Course cancelled by the provider (demo)")


def _backdate(req: LearningRequest, start: datetime, rng: random.Random) -> None:
    at = start
    req.created_at = at
    for event in req.events:
        event.created_at = at
        at += timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 8))
    req.updated_at = at


def _weighted(rng: random.Random, fates: list[tuple[str, int]]) -> str:
    return rng.choices([f for f, _w in fates], weights=[w for _f, w in fates])[0]


def _year(company: Company, admin: User, period: Period, people: list[User],
          offerings: list[Offering], rng: random.Random, today: date, past: bool,
          forced: tuple[str, ...] = ()) -> int:
    made = 0
    last = min(today, period.end)
    span = max(1, (last - period.start).days - 10)
    plan = []
    for person in people:
        fate = _weighted(rng, PAST_FATES if past else FATES)
        # Requests still open are recent; the rest spread over the year.
        days = rng.randint(max(0, span - 45), span) if fate in ("pending", "approved") else \
            rng.randint(0, span)
        plan.append((period.start + timedelta(days=days), person, fate))
    plan.sort(key=lambda p: (p[0], p[1].id))  # made in date order, so ids follow dates
    for n, (on, person, fate) in enumerate(plan):
        offering = rng.choice(offerings)
        fate = forced[made] if made < len(forced) else fate
        try:
            if past:  # the year is closed: fund the request explicitly, then spend it
                budgets.adjust(admin, person, offering.price_minor,
                               "Prior-year learning request (demo back-fill)",
                               f"demo-backfill-{company.id}-{n}", period)
            req = svc.create_for_offering(person, offering, rng.choice(NOTES),
                                          f"demo-{company.id}-{period.start.year}-{n}", on=on)
            _take(req, fate, admin, rng, n)
        except BudgetError:
            continue
        _backdate(req, datetime.combine(on, time(9)) + timedelta(hours=rng.randint(0, 8)), rng)
        made += 1
    return made


def _emma(world: DemoWorld, offerings: list[Offering], admin: User) -> int:
    """The demo employee: one completed, one rejected and one pending (in her manager's inbox)."""
    emma = world.people.get("employee@acme.test")
    if emma is None or len(offerings) < 3:
        return 0
    cheap = sorted(offerings, key=lambda o: o.price_minor)
    made = 0
    for i, (offering, fate, note) in enumerate((
            (cheap[2], "completed", "For the sensor-fusion project."),
            (cheap[len(cheap) // 2], "rejected", "Would love to go to this."),
            (cheap[1], "pending", "Fits my pathway; could start next month."))):
        try:
            req = svc.create_for_offering(emma, offering, note, f"demo-emma-{i}")
        except BudgetError:
            continue
        _take(req, fate, admin, random.Random(i), i)
        made += 1
    return made


def _globex_offerings(company: Company, admin: User) -> list[Offering]:
    found = list(db.session.scalars(select(Offering).where(
        Offering.company_id == company.id, Offering.price_minor > 0)))
    if found:
        return found
    return [catalogue.save_offering(admin, catalogue.OfferingData(
        title=title, type="course", price_minor=price, duration_hours=hours))
        for title, price, hours in GLOBEX_OFFERINGS]


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """The learning-request part of `flask seed-demo` (registered with `add_seeder`, order 70)."""
    rng = random.Random(70)
    today = date.today()
    svc.quiet()  # demo people get no e-mails
    try:
        _seed(world, rng, today, say)
    finally:
        db.session.info.pop(svc.QUIET, None)


def _seed(world: DemoWorld, rng: random.Random, today: date,
          say: Callable[[str], None]) -> None:
    total = 0
    for company, mode, sample in ((world.acme, "auto", 40), (world.globex, "manual", 8)):
        admin = _admin(company)
        if admin is None:
            continue
        svc.save_settings(admin, svc.PolicyData(
            admin_threshold_minor=60_000, auto_approve_max_minor=25_000, manager_approval=True,
            purchase_mode=mode))
        offerings = (_globex_offerings(company, admin) if company is world.globex else
                     list(db.session.scalars(select(Offering).where(
                         Offering.company_id == company.id, Offering.price_minor > 0,
                         Offering.retired_at.is_(None), Offering.price_minor <= 150_000)
                         .order_by(Offering.id))))
        if not offerings:
            continue
        people = list(db.session.scalars(select(User).where(
            User.company_id == company.id, User.status == UserStatus.ACTIVE.value,
            User.email.notin_(["employee@acme.test", "hr@acme.test", "hr@globex.test"]))
            .order_by(User.id)))
        current = period_for(company, today)
        previous = period_for(company, current.start - timedelta(days=1))
        total += _year(company, admin, previous, rng.sample(people, min(sample // 2, len(people))),
                       offerings, rng, today, past=True)
        total += _year(company, admin, current, rng.sample(people, min(sample, len(people))),
                       offerings, rng, today, past=False,
                       forced=("approved", "pending") if mode == "manual" else ())
        if company is world.acme:
            total += _emma(world, offerings, admin)
    db.session.flush()
    say(f"Learning requests: {total} over two fiscal years, in every state.")
