"""Demo catalogue for Acme Robotics: 10 providers and about 80 offerings across the demo
framework with realistic prices. Seeded after the capability maps (order 60); deterministic
(seeded random). The pathways built on them, with enrolments and reviews, are the learning
room's demo."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import select

from app.demo import DemoWorld
from app.extensions import db
from pathways.capabilities.demo import FRAMEWORK
from pathways.capabilities.models import Capability

from .models import Offering
from .offerings import Delta, OfferingData, save_offering
from .providers import save_provider

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
def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """Seeder for `flask seed-demo` (registered with order 60, after the capability maps). The
    learning room's seeder (order 61) builds pathways on these offerings with the same random
    generator, handed over in `world.extra["catalogue"]`."""
    rng = random.Random(6060)
    hr = world.people["hr@acme.test"]
    caps = {c.name: c for c in db.session.scalars(select(Capability).where(
        Capability.company_id == world.acme.id))}
    if not caps:
        return
    providers = [save_provider(hr, name, url) for name, url in PROVIDERS]
    offerings: dict[str, list[Offering]] = {}
    names = [n for items in FRAMEWORK.values() for n, _d in items if n in caps]
    category_of = {n: cat for cat, items in FRAMEWORK.items() for n, _d in items}
    count = 0
    for i, name in enumerate(names):
        # 2–3 offerings per capability, rotating through the templates: ~80 in all.
        picks = [TEMPLATES[(i + k * 3) % len(TEMPLATES)] for k in range(3 if i % 3 else 2)]
        for kind, pattern, p, euros, hours, fmt, frm, to in picks:
            develops = [Delta(caps[name].id, frm, to)]
            siblings = [n for n in names if category_of[n] == category_of[name]]
            neighbour = siblings[(siblings.index(name) + 1) % len(siblings)]
            if kind in ("course", "certification") and rng.random() < 0.4:
                develops.append(Delta(caps[neighbour].id, max(0, frm - 1),
                                                max(1, to - 1)))
            title = pattern.format(x=name if pattern.startswith("{x}") else name.lower())
            offering = save_offering(hr, OfferingData(
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
        save_offering(admin_g, OfferingData(
            title="Globex onboarding course", type="course", price_minor=0, duration_hours=3))
    world.extra["catalogue"] = {"rng": rng, "offerings": offerings}
    say(f"Catalogue: {len(providers)} providers, {count} offerings.")
