"""Demo mentoring for Acme Robotics (seeder order 65, after the capability maps at 30).

Ten mentors: seven colleagues outside Emma's (employee@acme.test) reporting line who offer the
capabilities of her gaps and others, and three external coaches with hourly rates, all with
weekly hours in their own time zones; past sessions with feedback and attestations (which
become evidence), and some upcoming ones. Deterministic (seeded random), no e-mails sent.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.errors import DomainError
from app.extensions import db
from app.models import User, UserStatus, utcnow
from pathways.capabilities import gaps, roles
from pathways.capabilities.models import Capability

from . import availability, bookings, matching, mentors
from .models import MentorProfile

BIOS = [
    "Ten years of shipping software; happy to pair on design and reviews.",
    "I love helping people turn messy data into a clear story.",
    "Former support lead; ask me about customers and calm escalations.",
    "Product person with a soft spot for discovery and saying no.",
    "Robotics engineer; controllers, embedded code and debugging hardware.",
    "Security champion. Threat models over coffee.",
    "Cloud and reliability: on-call, incidents, and cost.",
]
ZONES = ["Europe/Dublin", "Europe/Dublin", "Europe/Berlin", "America/New_York", "Europe/Dublin",
         "Asia/Kolkata", "Europe/Lisbon"]
COACHES = [  # name, e-mail, organisation, rate (minor units an hour), zone, capabilities
    ("Dr. Priya Nair", "priya@leadwell.test", "Leadwell Coaching", 15_000, "Europe/London",
     ["Stakeholder management", "Prioritisation", "Roadmapping"]),
    ("Marco Bianchi", "marco@archcraft.test", "ArchCraft", 12_000, "Europe/Rome",
     ["Software design", "Cloud infrastructure", "Security practices"]),
    ("Sam Okafor", "sam@datacoach.test", "DataCoach", 9_500, "America/New_York",
     ["Machine learning", "Statistics", "Data engineering"]),
]
FEEDBACK = ["Really practical, I left with a plan.", "Great questions, made me think.",
            "Useful examples from real projects.", "Clear and kind; would book again.", None]
AGENDA = ["Review my design for the new service.", "How to prepare a stakeholder update.",
          "Walk through a tricky bug together.", None]


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    rng = random.Random(65)
    acme, hr = world.acme, world.people["hr@acme.test"]
    emma = world.people["employee@acme.test"]
    caps = {c.name: c for c in db.session.scalars(select(Capability).where(
        Capability.company_id == acme.id))}
    if not caps:
        return
    assignment = roles.assignment(emma)
    emma_gaps = [g for g in gaps.gaps(emma, assignment.role if assignment else None)
                 + gaps.gaps(emma, assignment.target_role if assignment else None) if g.gap]
    excluded = matching.reporting_line(emma) | {hr.id}
    candidates = db.session.scalars(select(User).where(
        User.company_id == acme.id, User.status == UserStatus.ACTIVE.value,
        User.id.not_in(excluded), User.email != "exec@acme.test").order_by(User.id)).all()
    chosen = rng.sample(candidates, min(7, len(candidates)))
    names = sorted(caps)
    internal: list[MentorProfile] = []
    for i, person in enumerate(chosen):
        profile = mentors.opt_in(person, mentors.ProfileData(
            ZONES[i % len(ZONES)], rng.choice([3, 4, 6, 8]), rng.choice([45, 60, 60]),
            BIOS[i % len(BIOS)]))
        offered = {emma_gaps[i % len(emma_gaps)].capability_id} if emma_gaps else set()
        offered |= {caps[n].id for n in rng.sample(names, 2)}
        for cap_id in sorted(offered):
            cap = next(c for c in caps.values() if c.id == cap_id)
            mentors.offer_capability(person, profile, cap, rng.choice([4, 5]))
        for day in sorted(rng.sample(range(5), 2)):
            hour = rng.choice([9, 10, 13, 15])
            availability.add_rule(person, profile, day, time(hour), time(hour + 2))
        internal.append(profile)
    coaches = []
    for name, email, org, rate, tz, offers in COACHES:
        coach = mentors.save_coach(hr, mentors.CoachData(
            tz, 10, 60, f"{org}: independent coach.", True, name=name, email=email,
            hourly_rate_minor=rate, currency=acme.currency, organisation=org))
        for cap_name in offers:
            if cap_name in caps:
                mentors.offer_capability(hr, coach, caps[cap_name], 5)
        for day in (1, 3):
            availability.add_rule(hr, coach, day, time(14), time(17))
        coaches.append(coach)
    db.session.flush()
    past, upcoming = _sessions(world, rng, internal + coaches, candidates, emma)
    say(f"Mentoring: {len(internal)} colleagues and {len(coaches)} external coaches, "
        f"{past} past sessions with feedback, {upcoming} upcoming.")


def _sessions(world: DemoWorld, rng: random.Random, all_mentors: Sequence[MentorProfile],
              people: Sequence[User], emma: User) -> tuple[int, int]:
    """Past sessions (booked with an earlier clock) with feedback and attestations; upcoming."""
    hr = world.people["hr@acme.test"]
    mentees = [emma] + rng.sample(people, min(12, len(people)))
    now = utcnow()
    past = upcoming = 0
    for weeks_ago in (7, 5, 3, 2):
        then = now - timedelta(weeks=weeks_ago)
        for mentor in rng.sample(all_mentors, 4):
            slots = [s for s in availability.free_slots(mentor, now=then) if s.ends_at < now][:3]
            mentee = rng.choice(mentees)
            if not slots or mentee.id == mentor.user_id:
                continue
            offer = mentor.capabilities[0] if mentor.capabilities else None
            try:
                booking = bookings.book(
                    mentee, mentor, rng.choice(slots).starts_at,
                    offer.capability if offer else None, rng.choice(AGENDA), now=then,
                    notify=False)
            except DomainError:
                continue  # reporting line, cap or clash: the demo just skips it
            past += 1
            bookings.leave_feedback(mentee, booking, rng.choice([4, 5, 5, 3]),
                                           rng.choice(FEEDBACK))
            if offer is not None and rng.random() < 0.6:
                actor = mentor.user if mentor.user is not None else hr
                bookings.attest(actor, booking, offer.capability,
                                       max(1, min(offer.level, 3)),
                                       "Showed this clearly in our session.")
    past += _emma_awaits_feedback(rng, all_mentors, emma, now)
    for i, mentee in enumerate(mentees[:6]):
        mentor = all_mentors[0] if i == 0 else rng.choice(all_mentors)  # Emma: a colleague
        slots = availability.free_slots(mentor, now=now)[:6]
        if not slots or mentee.id == mentor.user_id:
            continue
        try:
            bookings.book(mentee, mentor, rng.choice(slots).starts_at,
                                 mentor.capabilities[0].capability if mentor.capabilities
                                 else None, rng.choice(AGENDA), now=now, notify=False)
        except DomainError:
            continue
        upcoming += 1
    return past, upcoming


def _emma_awaits_feedback(rng: random.Random, all_mentors: Sequence[MentorProfile], emma: User,
                          now: datetime) -> int:
    """Emma's session of last week, held but without feedback yet (the page asks for it)."""
    then = now - timedelta(days=9)
    for mentor in all_mentors:
        slots = [s for s in availability.free_slots(mentor, now=then) if s.ends_at < now]
        if not slots or not mentor.capabilities:
            continue
        try:
            bookings.book(emma, mentor, slots[-1].starts_at,
                                 mentor.capabilities[0].capability, rng.choice(AGENDA),
                                 now=then, notify=False)
        except DomainError:
            continue
        return 1
    return 0
