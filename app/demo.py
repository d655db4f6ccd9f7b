"""Demo data: Acme Robotics (about 60 people, or N for benchmarks) and a smaller Globex.

Other packages add their own demo data through `add_seeder(app, fn)`; each seeder gets the
companies and the demo people and must be deterministic (seeded random) so demos look the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import insert, select

from .extensions import db
from .identity import hash_password
from .models import Company, Team, User, UserRole, UserStatus

DEMO_PASSWORD = "trellis-demo"
DEMO_LOGINS = (
    ("hr@acme.test", "admin (L&D / HR) at Acme Robotics"),
    ("exec@acme.test", "executive at Acme Robotics"),
    ("manager@acme.test", "manager of employee@acme.test"),
    ("employee@acme.test", "employee at Acme Robotics"),
    ("hr@globex.test", "admin at Globex"),
)

FIRST = ["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken",
         "Frances", "Edsger", "Radia", "Tim", "Hedy", "John", "Sophie", "Niklaus", "Joan", "Guido",
         "Anita", "Bjarne", "Mary", "Donald", "Shafi", "Yukihiro", "Lynn", "James", "Adele",
         "Vint", "Karen", "Leslie", "Jean", "Carl", "Evelyn", "Ivan", "Annie", "Brian", "Elena"]
LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov",
        "Thompson", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr", "McCarthy", "Wilson",
        "Wirth", "Clarke", "van Rossum", "Borg", "Stroustrup", "Keller", "Knuth", "Goldwasser",
        "Matsumoto", "Conway", "Gosling", "Goldberg", "Cerf", "Spärck Jones", "Lamport", "Sammet",
        "Sagan", "Berezin", "Sutherland", "Easley", "Kernighan", "Ortiz"]
ACME_TEAMS = [  # (team, parent, job titles)
    ("Engineering", None, ["Software Engineer", "Senior Software Engineer"]),
    ("Platform", "Engineering", ["Platform Engineer", "Site Reliability Engineer"]),
    ("Robotics", "Engineering", ["Robotics Engineer", "Controls Engineer"]),
    ("Data", None, ["Data Analyst", "Data Scientist"]),
    ("Product & Design", None, ["Product Manager", "Product Designer"]),
    ("Customer Success", None, ["Customer Success Manager", "Support Specialist"]),
    ("People & Operations", None, ["People Partner", "Operations Coordinator"]),
]


@dataclass
class DemoWorld:
    """What the shell seeded, handed to every package's seeder."""

    acme: Company
    globex: Company
    people: dict[str, User]  # the demo logins by e-mail
    employees: int
    extra: dict[str, Any] = field(default_factory=dict)


Seeder = Callable[[DemoWorld, Callable[[str], None]], None]


def load_world(employees: int) -> DemoWorld:
    """The world of a database seeded before (e.g. a copy of one): the companies and the demo
    logins. What seeders kept in `extra` is not stored, so it comes back empty."""
    acme = db.session.scalar(select(Company).where(Company.slug == "acme"))
    globex = db.session.scalar(select(Company).where(Company.slug == "globex"))
    if acme is None or globex is None:
        raise RuntimeError("No demo data in this database (run seed-demo).")
    people = {u.email: u for u in db.session.scalars(
        select(User).where(User.company_id.in_([acme.id, globex.id]),
                           User.email.in_([email for email, _ in DEMO_LOGINS])))}
    return DemoWorld(acme=acme, globex=globex, people=people, employees=employees)


def person(email: str) -> User:
    """A person of the demo data by address, looked up in the demo company the address's domain
    names (`…@acme.test` in Acme, `…@globex.test` in Globex): addresses are unique per company
    only, so an address alone may name people in several companies."""
    slug = email.rpartition("@")[2].removesuffix(".test")
    user = db.session.scalar(select(User).join(Company, Company.id == User.company_id)
                             .where(Company.slug == slug, User.email == email))
    if user is None:
        raise RuntimeError(f"No demo person {email} (run seed-demo).")
    return user


def add_seeder(app: Flask, seeder: Seeder, order: int = 50) -> None:
    app.extensions.setdefault("trellis_seeders", []).append((order, seeder))


def is_empty() -> bool:
    return db.session.scalar(select(Company.id).limit(1)) is None


def _person(company: Company, email: str, name: str, roles: list[str], pw: str, **kw: Any) -> User:
    user = User(company_id=company.id, email=email, name=name, password_hash=pw,
                status=UserStatus.ACTIVE.value, **kw)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user


def _bulk_people(company: Company, teams: dict[str, Team], managers: dict[str, User], count: int,
                 rng: random.Random, pw: str, progress: Callable[[int], None]) -> None:
    """Insert `count` employees spread over the teams, in chunks (fast for 10,000)."""
    names = list(ACME_TEAMS)
    rows: list[dict[str, Any]] = []
    today = date.today()
    for i in range(count):
        team_name, _parent, titles = names[i % len(names)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append({
            "company_id": company.id, "email": f"{first}.{last}.{i}@acme.test".lower()
            .replace(" ", "").replace("ä", "a"), "name": f"{first} {last}",
            "team_id": teams[team_name].id, "manager_id": managers[team_name].id,
            "job_title": rng.choice(titles), "start_date": today - timedelta(days=rng.randint(30, 3000)),
            "status": UserStatus.ACTIVE.value if rng.random() > 0.03 else UserStatus.LEFT.value,
            "session_version": 1, "password_hash": pw,
        })
    for i in range(0, len(rows), 1000):
        chunk = rows[i : i + 1000]
        db.session.execute(insert(User), chunk)
        ids = db.session.scalars(select(User.id).where(
            User.company_id == company.id, User.email.in_([r["email"] for r in chunk])))
        db.session.execute(insert(UserRole), [{"user_id": uid, "role": "employee"} for uid in ids])
        progress(len(chunk))


def seed(employees: int = 60, progress: Callable[[int], None] | None = None,
         say: Callable[[str], None] = print) -> DemoWorld:
    """Create the demo companies; the caller commits. Refuses when Acme already exists."""
    if db.session.scalar(select(Company.id).where(Company.slug == "acme")) is not None:
        raise RuntimeError("Demo data already exists (company 'acme').")
    rng = random.Random(42)
    progress = progress or (lambda n: None)
    pw = hash_password(DEMO_PASSWORD)  # one hash for every demo person: seeding stays fast
    acme = Company(name="Acme Robotics", slug="acme", currency="EUR", locale="en_IE",
                   timezone="Europe/Dublin", fiscal_year_start_month=1)
    globex = Company(name="Globex", slug="globex", currency="USD", locale="en_US",
                     timezone="America/New_York", fiscal_year_start_month=7)
    db.session.add_all([acme, globex])
    db.session.flush()
    teams: dict[str, Team] = {}
    for name, parent, _titles in ACME_TEAMS:
        teams[name] = Team(company_id=acme.id, name=name,
                           parent_id=teams[parent].id if parent else None)
        db.session.add(teams[name])
        db.session.flush()
    start = date.today() - timedelta(days=900)
    people = {
        "hr@acme.test": _person(acme, "hr@acme.test", "Harriet Rhodes", ["admin", "employee"], pw,
                                team_id=teams["People & Operations"].id, job_title="Head of L&D",
                                start_date=start),
        "exec@acme.test": _person(acme, "exec@acme.test", "Elliot Chen", ["executive", "employee"],
                                  pw, job_title="Chief Operating Officer", start_date=start),
    }
    managers: dict[str, User] = {}
    for name, _parent, titles in ACME_TEAMS:
        email = "manager@acme.test" if name == "Engineering" else (
            f"lead.{name.split()[0].lower().replace('&', '')}@acme.test")
        first, last = rng.choice(FIRST), rng.choice(LAST)
        display = "Morgan Avery" if email == "manager@acme.test" else f"{first} {last}"
        managers[name] = _person(acme, email, display, ["manager", "employee"], pw,
                                 team_id=teams[name].id, job_title=f"{titles[0]} Lead",
                                 manager_id=people["exec@acme.test"].id, start_date=start)
    people["manager@acme.test"] = managers["Engineering"]
    people["hr@acme.test"].manager_id = people["exec@acme.test"].id
    people["employee@acme.test"] = _person(
        acme, "employee@acme.test", "Emma Lindqvist", ["employee"], pw,
        team_id=teams["Engineering"].id, manager_id=managers["Engineering"].id,
        job_title="Software Engineer", start_date=date.today() - timedelta(days=540))
    rest = max(0, employees - len(people) - len(managers) + 1)
    _bulk_people(acme, teams, managers, rest, rng, pw, progress)

    g_team = Team(company_id=globex.id, name="Operations")
    db.session.add(g_team)
    db.session.flush()
    people["hr@globex.test"] = _person(globex, "hr@globex.test", "Hank Scorpio",
                                       ["admin", "employee", "executive"], pw,
                                       team_id=g_team.id, job_title="CEO and L&D lead")
    for i in range(7):
        _person(globex, f"staff{i + 1}@globex.test", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                ["employee"], pw, team_id=g_team.id, manager_id=people["hr@globex.test"].id,
                job_title="Operations Specialist", start_date=start)
    db.session.flush()
    world = DemoWorld(acme=acme, globex=globex, people=people, employees=employees)
    for _order, seeder in sorted(current_app.extensions.get("trellis_seeders", []),
                                 key=lambda s: s[0]):
        seeder(world, say)
        db.session.flush()
    return world
