"""Demo catalogue for Acme Robotics: 10 providers, about 80 offerings across the demo framework
with realistic prices, 6 published pathways, enrolments with progress, and reviews. Seeded
after the capability maps (order 60); deterministic (seeded random)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.extensions import db
from app.models import User, UserStatus

from . import catalogue, pathway_service
from .catalogue_models import Offering
from .demo import FRAMEWORK
from .models import Capability, Role
from .pathway_service import StepData

PROVIDERS = [
    ("Coursera", "https://www.coursera.org"), ("O'Reilly Media", "https://www.oreilly.com"),
    ("Pluralsight", "https://www.pluralsight.com"), ("Udemy Business", "https://business.udemy.com"),
    ("Manning Publications", "https://www.manning.com"), ("QCon", "https://qconferences.com"),
    ("Nielsen Norman Group", "https://www.nngroup.com"),
    ("The Leadership Lab", "https://leadershiplab.example"),
    ("AWS Training", "https://aws.amazon.com/training"),
    ("Reforge", "https://www.reforge.com"),
]
# (kind, title pattern, provider index, price in euros, hours, format, from, to)
TEMPLATES = [
    ("course", "{x}: foundations", 0, 49, 12, "online", 0, 2),
    ("course", "Practical {x}", 2, 299, 16, "online", 1, 3),
    ("book", "The {x} handbook", 4, 45, 10, "online", 1, 3),
    ("course", "Advanced {x} workshop", 7, 1450, 21, "in_person", 2, 4),
    ("certification", "Certified {x} professional", 8, 990, 40, "blended", 2, 4),
    ("event", "{x} summit 2026", 5, 1190, 16, "in_person", 2, 3),
    ("coaching", "{x} coaching package (4 sessions)", 7, 800, 4, "online", 2, 4),
]
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
    """Seeder for `flask seed-demo` (registered with order 60, after the capability maps)."""
    rng = random.Random(6060)
    hr = world.people["hr@acme.test"]
    caps = {c.name: c for c in db.session.scalars(select(Capability).where(
        Capability.company_id == world.acme.id))}
    if not caps:
        return
    providers = [catalogue.save_provider(hr, name, url) for name, url in PROVIDERS]
    offerings: dict[str, list[Offering]] = {}
    names = [n for items in FRAMEWORK.values() for n, _d in items if n in caps]
    category_of = {n: cat for cat, items in FRAMEWORK.items() for n, _d in items}
    count = 0
    for i, name in enumerate(names):
        # 2–3 offerings per capability, rotating through the templates: ~80 in all.
        picks = [TEMPLATES[(i + k * 3) % len(TEMPLATES)] for k in range(3 if i % 3 else 2)]
        for kind, pattern, p, euros, hours, fmt, frm, to in picks:
            develops = [catalogue.Delta(caps[name].id, frm, to)]
            siblings = [n for n in names if category_of[n] == category_of[name]]
            neighbour = siblings[(siblings.index(name) + 1) % len(siblings)]
            if kind in ("course", "certification") and rng.random() < 0.4:
                develops.append(catalogue.Delta(caps[neighbour].id, max(0, frm - 1),
                                                max(1, to - 1)))
            title = pattern.format(x=name if pattern.startswith("{x}") else name.lower())
            offering = catalogue.save_offering(hr, catalogue.OfferingData(
                title=title, type=kind, provider_id=providers[p].id,
                price_minor=(euros + rng.choice([0, 0, 50, 100])) * 100, duration_hours=hours,
                format=fmt, url=f"{PROVIDERS[p][1]}/{title.lower().replace(' ', '-')[:60]}",
                description=(f"{title} helps you with {name.lower()}: "
                             f"{caps[name].description or ''} Delivered by {PROVIDERS[p][0]}."),
                capabilities=develops))
            offerings.setdefault(name, []).append(offering)
            count += 1
    admin_g = world.people.get("hr@globex.test")
    if admin_g is not None:
        catalogue.save_offering(admin_g, catalogue.OfferingData(
            title="Globex onboarding course", type="course", price_minor=0, duration_hours=3))
    roles = {r.title: r for r in db.session.scalars(
        select(Role).where(Role.company_id == world.acme.id))}
    paths = []
    for title, role_title, cap_names, (task, task_cap, task_level) in PATHWAYS:
        pathway = pathway_service.save_pathway(
            hr, title, f"A guided route: {', '.join(cap_names).lower()}, then practice at work.",
            roles.get(role_title) if role_title else None, None)
        previous: list[int] = []
        for name in cap_names:
            cheapest = min(offerings[name], key=lambda o: o.price_minor)
            step = pathway_service.add_step(hr, pathway, StepData(
                "offering", offering_id=cheapest.id, prerequisite_ids=previous[-1:]))
            previous.append(step.id)
        pathway_service.add_step(hr, pathway, StepData(
            "practice", task, "Agree the scope with your manager first.",
            capability_id=caps[task_cap].id, to_level=task_level, estimated_hours=6,
            prerequisite_ids=previous[:1]))
        pathway_service.add_step(hr, pathway, StepData(
            "reading", f"Reading list: {cap_names[0].lower()}",
            url=f"https://learn.example/{cap_names[0].lower().replace(' ', '-')}",
            required=False, estimated_hours=2))
        pathway_service.publish(hr, pathway)
        paths.append(pathway)
    db.session.flush()
    enrolled, reviews = _enrol(world, rng, paths)
    say(f"Catalogue: {len(providers)} providers, {count} offerings, {len(paths)} pathways, "
        f"{enrolled} enrolments, {reviews} reviews.")


def _enrol(world: DemoWorld, rng: random.Random, paths: list) -> tuple[int, int]:  # type: ignore[type-arg]
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
        pathway_service.assign(hr, pathway, chosen, due_date=date.today() + timedelta(days=90))
        db.session.flush()
        for enrolment in pathway_service.enrolments_for(pathway):
            enrolled += 1
            person = enrolment.user
            steps = sorted(pathway.steps, key=lambda s: s.position)
            done = 1 if person.id == employee.id else rng.randint(0, len(steps))
            # Steps were done over the past months (so growth reports show a history), a
            # week to a month apart, the last one yesterday at the latest.
            day = date.today() - timedelta(days=rng.randint(40, 330))
            for step in steps[:done]:
                if pathway_service.progress(enrolment).steps[steps.index(step)].state != "open":
                    break
                day = min(day + timedelta(days=rng.randint(7, 30)),
                          date.today() - timedelta(days=1))
                pathway_service.complete_step(person, enrolment, step, on=day,
                                              note="Done, notes in my learning journal.")
                if step.offering is not None and rng.random() < 0.7:
                    rating, text = rng.choice(REVIEWS)
                    catalogue.save_review(person, step.offering, rating, text)
                    reviews += 1
    return enrolled, reviews
