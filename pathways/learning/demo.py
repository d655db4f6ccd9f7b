"""Demo pathways for Acme Robotics: 6 published pathways built on the demo catalogue, with
enrolments whose steps were done over the past months, and reviews of the offerings taken.
Seeded right after the catalogue (order 61); deterministic (seeded random)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.extensions import db
from app.models import User, UserStatus
from pathways.capabilities.models import Capability, Role
from pathways.catalogue.models import Offering
from pathways.catalogue.reviews import save_review

from . import builder, enrolments
from .builder import StepData
from .models import Pathway

REVIEWS = [(5, "Excellent: practical and to the point. I used it the week after."),
           (4, "Good material; the exercises are the best part."),
           (4, "Solid, a bit slow in the middle."), (3, "Fine as an introduction."),
           (5, "The best course I have taken here. Recommended to my team."),
           (2, "Too theoretical for what I needed.")]
PATHWAYS = [  # title, target role, capability names of offering steps, practice task
    ("Towards Senior Software Engineer", "Senior Software Engineer",
     ["Software design", "Testing and quality", "Cloud infrastructure"],
     ("Lead the design of a component", "Software design", 4)),
    ("Data analysis foundations", "Data Analyst", ["Data analysis", "Statistics"],
     ("Answer a real business question with data", "Data analysis", 3)),
    ("New team lead essentials", "Team Lead",
     ["Coaching and mentoring", "Delivery management", "Facilitation"],
     ("Run your team's retrospective", "Facilitation", 3)),
    ("Product discovery sprint", "Product Manager", ["Product discovery", "User research"],
     ("Test one idea with five users", "Product discovery", 3)),
    ("Secure cloud basics", None, ["Security practices", "Cloud infrastructure"],
     ("Threat-model one of your services", "Security practices", 3)),
    ("Customer success excellence", "Customer Success Specialist",
     ["Customer empathy", "Technical support", "Account management"],
     ("Shadow three support calls and write up the learnings", "Customer empathy", 3)),
]


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """Seeder for `flask seed-demo` (order 61, right after the catalogue's, whose offerings and
    random generator it continues with)."""
    handed = world.extra.get("catalogue")
    if handed is None:
        return
    rng: random.Random = handed["rng"]
    offerings: dict[str, list[Offering]] = handed["offerings"]
    hr = world.people["hr@acme.test"]
    caps = {c.name: c for c in db.session.scalars(select(Capability).where(
        Capability.company_id == world.acme.id))}
    roles = {r.title: r for r in db.session.scalars(
        select(Role).where(Role.company_id == world.acme.id))}
    paths = []
    for title, role_title, cap_names, (task, task_cap, task_level) in PATHWAYS:
        pathway = builder.save_pathway(
            hr, title, f"A guided route: {', '.join(cap_names).lower()}, then practice at work.",
            roles.get(role_title) if role_title else None, None)
        previous: list[int] = []
        for name in cap_names:
            cheapest = min(offerings[name], key=lambda o: o.price_minor)
            step = builder.add_step(hr, pathway, StepData(
                "offering", offering_id=cheapest.id, prerequisite_ids=previous[-1:]))
            previous.append(step.id)
        builder.add_step(hr, pathway, StepData(
            "practice", task, "Agree the scope with your manager first.",
            capability_id=caps[task_cap].id, to_level=task_level, estimated_hours=6,
            prerequisite_ids=previous[:1]))
        builder.add_step(hr, pathway, StepData(
            "reading", f"Reading list: {cap_names[0].lower()}",
            url=f"https://learn.example/{cap_names[0].lower().replace(' ', '-')}",
            required=False, estimated_hours=2))
        builder.publish(hr, pathway)
        paths.append(pathway)
    db.session.flush()
    enrolled, reviews = _enrol(world, rng, paths)
    say(f"Learning: {len(paths)} pathways, {enrolled} enrolments, {reviews} reviews.")




def _enrol(world: DemoWorld, rng: random.Random, paths: list[Pathway]) -> tuple[int, int]:
    hr = world.people["hr@acme.test"]
    people = list(db.session.scalars(
        select(User).where(User.company_id == world.acme.id,
                           User.status == UserStatus.ACTIVE.value,
                           User.email.not_in(["hr@acme.test", "exec@acme.test"]))
        .order_by(User.id).limit(400)))
    employee = world.people["employee@acme.test"]
    enrolled = reviews = 0
    for i, pathway in enumerate(paths):
        chosen = rng.sample(people, min(8, len(people)))
        if i == 0 and employee not in chosen:
            chosen.append(employee)
        enrolments.assign(hr, pathway, chosen, due_date=date.today() + timedelta(days=90))
        db.session.flush()
        for enrolment in enrolments.enrolments_for(pathway):
            enrolled += 1
            person = enrolment.user
            steps = sorted(pathway.steps, key=lambda s: s.position)
            done = 1 if person.id == employee.id else rng.randint(0, len(steps))
            # Steps were done over the past months (so growth reports show a history), a
            # week to a month apart, the last one yesterday at the latest.
            day = date.today() - timedelta(days=rng.randint(40, 330))
            for step in steps[:done]:
                if enrolments.progress(enrolment).steps[steps.index(step)].state != "open":
                    break
                day = min(day + timedelta(days=rng.randint(7, 30)),
                          date.today() - timedelta(days=1))
                enrolments.complete_step(person, enrolment, step, on=day,
                                              note="Done, notes in my learning journal.")
                if step.offering is not None and rng.random() < 0.7:
                    rating, text = rng.choice(REVIEWS)
                    save_review(person, step.offering, rating, text)
                    reviews += 1
    return enrolled, reviews
