"""Demo learning requests (seeded after billing 30, the catalogue 60 and mentoring 65).

A realistic mix in every state over the current and the previous fiscal year, made through the
request services so the ledger stays consistent (`flask ledger verify` passes after seed-demo):

- current year: requests waiting for a manager or an admin, approved (Globex buys by hand),
  purchased, completed, rejected, cancelled, partly and fully refunded; the demo employee has
  one of each of the common states and her manager has her pending request in the inbox;
- previous year: the year is already closed by the billing seeder, so each request there is
  funded by an explicit back-fill adjustment ("demo back-fill") and taken to a final state
  (completed, refunded, rejected, cancelled) — released money lapses with the closed year;
- a few paid sessions with Acme's external coaches, funded by mentor-booking requests.

Deterministic (seeded random). Each request lives on a simulated clock spread over its year
(asked, approved a day later, bought two days after that, refunded a fortnight later, never
after now): its status history carries those times and so do its ledger transactions, posted
inside `ledger.backfill()` (back-fill and demo data only), so reports show spend in the month
and year it happened, by offering type and provider.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.errors import DomainError
from app.extensions import db
from app.models import Company, User, UserRole, UserStatus, utcnow
from billing import budgets, ledger
from billing.errors import BudgetError
from billing.policies import Period, period_for
from pathways.catalogue import offerings
from pathways.catalogue.models import Offering
from pathways.mentoring import availability, bookings
from pathways.mentoring.models import MentorProfile

from . import approval, notify, submit, transitions
from .models import LearningRequest

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
        approvers = approval.approvers_for(req)
        if not approvers:
            return
        transitions.approve(approvers[0], req, "Approved (demo)")


def _admin(company: Company) -> User | None:
    return db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.company_id == company.id, UserRole.role == "admin").order_by(User.id).limit(1))


@contextmanager
def whole() -> Iterator[None]:
    """One demo request, whole or not at all: a refusal part-way (no budget left for its hold,
    no wallet money for its purchase) rolls back everything it made, so no request is left
    open without its hold."""
    with db.session.begin_nested():
        yield


class Clock:
    """A demo request's simulated time: its ledger postings and its status history."""

    def __init__(self, start: datetime, latest: datetime) -> None:
        self.start, self.latest = min(start, latest), latest
        self.marks: list[tuple[int, datetime]] = []  # (events so far, when they happened)
        self.now = self.start

    @contextmanager
    def at(self, days: float, req: LearningRequest | None = None) -> Iterator[None]:
        """Run a step `days` after the start (never after `latest`), posting at that time."""
        when = min(self.start + timedelta(days=days), self.latest)
        self.now = when
        with ledger.backfill(when):
            yield
        if req is not None:
            self.marks.append((len(req.events), when))

    def stamp(self, req: LearningRequest) -> None:
        """Date the request and each event at the step that made it."""
        req.created_at = req.updated_at = self.start
        for i, event in enumerate(req.events):
            event.created_at = next((w for n, w in self.marks if i < n), self.start)
            req.updated_at = max(req.updated_at, event.created_at)


def _take(req: LearningRequest, fate: str, admin: User, rng: random.Random, n: int,
          clock: Clock) -> None:
    """Move a fresh request to `fate` through the services, each step at its simulated time."""
    clock.marks.append((len(req.events), clock.start))
    if fate == "pending" or (fate in ("cancelled", "rejected") and req.status != "pending"):
        return  # (an auto-approved pathway step is bought already)
    if fate == "cancelled":
        with clock.at(2, req):
            transitions.cancel(req.requester, req, "Found a free alternative (demo)")
        return
    if fate == "rejected":
        approver = (approval.approvers_for(req) or [admin])[0]
        with clock.at(1, req):
            transitions.reject(approver, req, rng.choice(["Not this quarter.", "Let's pick a cheaper "
                                                  "option together.",
                                                  "Out of scope for the role."]))
        return
    with clock.at(1, req):
        _approve_fully(req)
    if fate == "approved":
        return  # waits for the purchase (manual purchase mode) or for wallet funds
    if req.status == "approved":
        with clock.at(3, req):
            transitions.purchase(admin, req, f"PO-{2026 + n:04d}-{req.id:04d}")
    if req.status != "purchased":
        return
    if fate in ("completed", "partial_refund"):
        with clock.at(10, req):
            transitions.complete(req.requester, req, "Finished; certificate on file (demo).",
                         on=clock.now.date())
    with clock.at(17, req):
        if fate == "partial_refund":
            transitions.refund(admin, req, req.captured_minor // 4, f"demo-{req.id}",
                       "Provider credit for a missed session (demo)")
        elif fate == "refunded":
            transitions.refund(admin, req, None, f"demo-{req.id}",
                       "Course cancelled by the provider (demo)")


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
    latest = utcnow() - timedelta(minutes=5)
    for n, (on, person, fate) in enumerate(plan):
        offering = rng.choice(offerings)
        fate = forced[made] if made < len(forced) else fate
        clock = Clock(datetime.combine(on, time(9)) + timedelta(hours=rng.randint(0, 8)),
                      min(latest, datetime.combine(period.end, time(18))))
        try:
            with whole():
                with clock.at(0):
                    if past:  # the year is closed: fund the request explicitly, then spend it
                        budgets.adjust(admin, person, offering.price_minor,
                                       "Prior-year learning request (demo back-fill)",
                                       f"demo-backfill-{company.id}-{n}", period)
                    req = submit.create_for_offering(person, offering, rng.choice(NOTES),
                                                     f"demo-{company.id}-{period.start.year}-{n}",
                                                     on=on)
                _take(req, fate, admin, rng, n, clock)
        except BudgetError:
            continue
        clock.stamp(req)
        made += 1
    return made


def _emma(world: DemoWorld, offerings: list[Offering], admin: User) -> int:
    """The demo employee: one completed, one rejected and one pending (in her manager's inbox)."""
    emma = world.people.get("employee@acme.test")
    if emma is None or len(offerings) < 3:
        return 0
    cheap = sorted(offerings, key=lambda o: o.price_minor)
    now = utcnow() - timedelta(minutes=5)
    year_start = datetime.combine(period_for(emma.company, now.date()).start, time(9))
    made = 0
    for i, (offering, fate, note, days_ago) in enumerate((
            (cheap[2], "completed", "For the sensor-fusion project.", 45),
            (cheap[len(cheap) // 2], "rejected", "Would love to go to this.", 12),
            (cheap[1], "pending", "Fits my pathway; could start next month.", 2))):
        clock = Clock(max(year_start, now - timedelta(days=days_ago)), now)
        try:
            with whole():
                with clock.at(0):
                    req = submit.create_for_offering(emma, offering, note, f"demo-emma-{i}")
                _take(req, fate, admin, random.Random(i), i, clock)
        except BudgetError:
            continue
        clock.stamp(req)
        made += 1
    return made


def _coach_sessions(world: DemoWorld, admin: User, rng: random.Random) -> int:
    """Paid sessions with Acme's external coaches, each funded by a mentor-booking request:
    two held three and four weeks ago (bought; one also completed), one upcoming and bought,
    one upcoming and waiting for approval."""
    coaches = list(db.session.scalars(select(MentorProfile).where(
        MentorProfile.company_id == world.acme.id, MentorProfile.user_id.is_(None),
        MentorProfile.active.is_(True), MentorProfile.hourly_rate_minor > 0)
        .order_by(MentorProfile.id)))
    people = list(db.session.scalars(select(User).where(
        User.company_id == world.acme.id, User.status == UserStatus.ACTIVE.value,
        User.email.notin_(["employee@acme.test", "hr@acme.test"])).order_by(User.id)))
    if not coaches or not people:
        return 0
    now, made = utcnow(), 0
    year_start = datetime.combine(period_for(world.acme, now.date()).start, time(9))
    plan = [(4, "purchased"), (3, "completed"), (0, "purchased"), (0, "pending")]
    for n, (weeks_ago, fate) in enumerate(plan):
        coach, mentee = coaches[n % len(coaches)], rng.choice(people)
        then = max(now - timedelta(weeks=weeks_ago), min(year_start, now))
        slots = [s for s in availability.free_slots(coach, now=then)
                 if (s.ends_at < now) == bool(weeks_ago)]
        if not slots:
            continue
        clock = Clock(then, now - timedelta(minutes=5))
        try:
            with whole():
                booking = bookings.book(mentee, coach, slots[0].starts_at, None,
                                        "Coaching session (demo)", now=then, notify=False)
                with clock.at(0):
                    req = submit.create_for_booking(mentee, booking,
                                                    "Booked with an external coach.",
                                                    f"demo-coach-{n}")
                _take(req, fate, admin, rng, 900 + n, clock)
        except DomainError:
            continue  # no budget left or the slot is gone: the demo just skips it
        clock.stamp(req)
        made += 1
    return made


def _globex_offerings(company: Company, admin: User) -> list[Offering]:
    found = list(db.session.scalars(select(Offering).where(
        Offering.company_id == company.id, Offering.price_minor > 0)))
    if found:
        return found
    return [offerings.save_offering(admin, offerings.OfferingData(
        title=title, type="course", price_minor=price, duration_hours=hours))
        for title, price, hours in GLOBEX_OFFERINGS]


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """The learning-request part of `flask seed-demo` (registered with `add_seeder`, order 70)."""
    rng = random.Random(70)
    today = date.today()
    notify.quiet()  # demo people get no e-mails
    try:
        _seed(world, rng, today, say)
    finally:
        db.session.info.pop(notify.QUIET, None)


def _seed(world: DemoWorld, rng: random.Random, today: date,
          say: Callable[[str], None]) -> None:
    total = 0
    for company, mode, sample in ((world.acme, "auto", 40), (world.globex, "manual", 8)):
        admin = _admin(company)
        if admin is None:
            continue
        approval.save_settings(admin, approval.PolicyData(
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
            total += _coach_sessions(world, admin, rng)
    db.session.flush()
    say(f"Learning requests: {total} over two fiscal years, in every state.")
