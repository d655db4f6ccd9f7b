"""Demo capability maps for Acme Robotics: a framework written for Trellis (30 capabilities in 5
categories on a 5-level scale), 10 roles with requirements and career moves, every person in a
role, and 18 months of evidence so levels visibly grew. Bulk inserts: fast for 10,000 people.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from app.demo import DemoWorld
from app.extensions import db
from app.models import User, utcnow

from . import frameworks, levels, roles
from .models import (
    Assessment,
    Capability,
    CapabilityLevel,
    LevelChange,
    RoleAssignment,
)

CHUNK = 5000
FRAMEWORK = {
    "Engineering craft": [
        ("Software design", "Shapes code and components so they are easy to change."),
        ("Testing and quality", "Builds confidence in software through automated tests."),
        ("Code review", "Improves changes and spreads knowledge through reviews."),
        ("Debugging", "Finds the cause of faults methodically, in code and in production."),
        ("Security practices", "Builds and runs software that resists attack."),
        ("Cloud infrastructure", "Runs services on cloud platforms reliably and at fair cost."),
    ],
    "Robotics and data": [
        ("Control systems", "Designs and tunes controllers for physical systems."),
        ("Embedded programming", "Writes software for constrained devices and real time."),
        ("Data analysis", "Turns data into findings that answer a real question."),
        ("Statistics", "Chooses and applies statistical methods soundly."),
        ("Machine learning", "Builds, evaluates and operates learned models."),
        ("Data engineering", "Builds pipelines that deliver trustworthy data on time."),
    ],
    "Product and design": [
        ("User research", "Learns what users need through interviews and observation."),
        ("Product discovery", "Tests ideas cheaply before building them."),
        ("Interaction design", "Designs flows and interfaces people understand."),
        ("Prioritisation", "Decides what matters most and says no to the rest."),
        ("Roadmapping", "Plans outcomes over time and keeps the plan honest."),
        ("Metrics and experimentation", "Measures outcomes and runs fair experiments."),
    ],
    "Customer and business": [
        ("Customer empathy", "Understands the customer's situation and goals."),
        ("Technical support", "Resolves customers' technical problems quickly and kindly."),
        ("Account management", "Grows long-term relationships with customer accounts."),
        ("Commercial awareness", "Understands how the company earns and spends money."),
        ("Process improvement", "Makes everyday operations simpler and more reliable."),
        ("Writing", "Writes clearly for the reader, from e-mails to documentation."),
    ],
    "Leadership and collaboration": [
        ("Coaching and mentoring", "Helps others grow through feedback and guidance."),
        ("Facilitation", "Runs meetings and workshops that reach decisions."),
        ("Stakeholder management", "Aligns people with different interests on a goal."),
        ("Delivery management", "Plans and steers work to deliver on commitments."),
        ("Hiring", "Assesses candidates fairly and sells the role honestly."),
        ("Strategic thinking", "Connects today's work to where the company is going."),
    ],
}
LEVEL_PHRASES = [
    "Knows what {x} is and why it matters; follows guidance.",
    "Applies {x} on routine work with some help.",
    "Applies {x} independently and reliably on typical work.",
    "Handles hard {x} problems and coaches others in it.",
    "Sets the standard for {x} across the company and beyond.",
]
# title: (family, seniority, {capability: (level, weight)}, job titles mapped to the role)
ROLES: dict[str, tuple[str, int, dict[str, tuple[int, int]], tuple[str, ...]]] = {
    "Software Engineer": ("Engineering", 2, {
        "Software design": (2, 2), "Testing and quality": (3, 2), "Code review": (2, 1),
        "Debugging": (3, 1), "Security practices": (2, 1), "Writing": (2, 1)},
        ("Software Engineer", "Platform Engineer", "Robotics Engineer", "Controls Engineer")),
    "Senior Software Engineer": ("Engineering", 3, {
        "Software design": (4, 2), "Testing and quality": (4, 2), "Code review": (4, 1),
        "Debugging": (4, 1), "Security practices": (3, 1), "Cloud infrastructure": (3, 1),
        "Coaching and mentoring": (3, 1)},
        ("Senior Software Engineer", "Site Reliability Engineer")),
    "Staff Engineer": ("Engineering", 4, {
        "Software design": (5, 2), "Testing and quality": (4, 1), "Cloud infrastructure": (4, 1),
        "Coaching and mentoring": (4, 2), "Stakeholder management": (3, 1),
        "Strategic thinking": (4, 1)}, ()),
    "Data Analyst": ("Data", 2, {
        "Data analysis": (3, 2), "Statistics": (2, 2), "Data engineering": (2, 1),
        "Writing": (3, 1), "Metrics and experimentation": (2, 1)}, ("Data Analyst",)),
    "Data Scientist": ("Data", 3, {
        "Data analysis": (4, 2), "Statistics": (4, 2), "Machine learning": (3, 2),
        "Data engineering": (3, 1), "Metrics and experimentation": (3, 1)}, ("Data Scientist",)),
    "Product Designer": ("Product", 2, {
        "User research": (3, 2), "Interaction design": (3, 2), "Product discovery": (2, 1),
        "Facilitation": (2, 1), "Writing": (2, 1)}, ("Product Designer",)),
    "Product Manager": ("Product", 3, {
        "User research": (3, 1), "Product discovery": (4, 2), "Prioritisation": (4, 2),
        "Roadmapping": (3, 1), "Metrics and experimentation": (3, 1),
        "Stakeholder management": (3, 1)}, ("Product Manager",)),
    "Customer Success Specialist": ("Customer", 2, {
        "Customer empathy": (3, 2), "Technical support": (3, 2), "Account management": (2, 1),
        "Writing": (3, 1), "Process improvement": (2, 1)},
        ("Customer Success Manager", "Support Specialist")),
    "People and Operations Partner": ("Operations", 2, {
        "Process improvement": (3, 2), "Facilitation": (3, 1), "Hiring": (3, 2),
        "Writing": (3, 1), "Commercial awareness": (2, 1)},
        ("People Partner", "Operations Coordinator", "Head of L&D")),
    "Team Lead": ("Leadership", 4, {
        "Coaching and mentoring": (4, 2), "Delivery management": (4, 2), "Hiring": (3, 1),
        "Stakeholder management": (4, 1), "Strategic thinking": (3, 1),
        "Facilitation": (3, 1)}, ()),
}
MOVES = [("Software Engineer", "Senior Software Engineer"), ("Senior Software Engineer",
          "Staff Engineer"), ("Senior Software Engineer", "Team Lead"),
         ("Data Analyst", "Data Scientist"), ("Product Designer", "Product Manager"),
         ("Customer Success Specialist", "Product Manager"), ("Data Scientist", "Team Lead"),
         ("People and Operations Partner", "Team Lead"), ("Product Manager", "Team Lead")]
NOTES = {"self": ["Practised this on the last release.", "Feel confident here now.",
                  "Still learning, but improving."],
         "manager": ["Showed this clearly in the quarterly review.", "Consistently strong.",
                     "Good progress since the last review."],
         "peer": ["Helped me a lot with this.", "Great pairing partner."],
         "mentor": ["Attested after our mentoring sessions."],
         "offering": ["Completed the course with the final project."],
         "external": ["Certification passed."]}


def _role_for(title: str | None) -> str:
    for name, (_f, _s, _r, titles) in ROLES.items():
        if title in titles:
            return name
    return "Team Lead"


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """Seeder for `flask seed-demo` (called by app.demo with the demo world)."""
    rng = random.Random(2026)
    hr = world.people["hr@acme.test"]
    scale = frameworks.create_scale(hr, "Trellis proficiency", [
        frameworks.LevelData(i, n, d)
        for i, (n, d) in enumerate(frameworks.DEFAULT_LEVELS, start=1)])
    framework = frameworks.create_framework(
        hr, "Trellis Capability Framework", scale,
        "The capabilities Acme Robotics grows, written for Trellis.")
    caps: dict[str, Capability] = {}
    for category, items in FRAMEWORK.items():
        for name, description in items:
            caps[name] = frameworks.create_capability(hr, framework, frameworks.CapabilityData(
                category, name, description, f"trellis:{name.lower().replace(' ', '-')}",
                {str(i + 1): p.format(x=name.lower()) for i, p in enumerate(LEVEL_PHRASES)}))
    role_rows = {}
    for title, (family, seniority, reqs, _titles) in ROLES.items():
        role = roles.create_role(hr, roles.RoleData(title, family, seniority))
        roles.set_requirements(hr, role, [roles.Requirement(caps[c].id, lv, w)
                                          for c, (lv, w) in reqs.items()])
        role_rows[title] = role
    for a, b in MOVES:
        roles.add_move(hr, role_rows[a], role_rows[b])
    db.session.flush()
    count = _people(world, rng, role_rows, caps)
    say(f"Capability maps: {len(caps)} capabilities, {len(role_rows)} roles, "
        f"{count:,} pieces of evidence over 18 months.")


def _people(world: DemoWorld, rng: random.Random, role_rows: dict[str, Any],
            caps: dict[str, Capability]) -> int:
    acme, hr = world.acme, world.people["hr@acme.test"]
    people = db.session.execute(
        select(User.id, User.job_title, User.manager_id, User.email)
        .where(User.company_id == acme.id).order_by(User.id)).all()
    moves: dict[str, list[str]] = {}
    for a, b in MOVES:
        moves.setdefault(a, []).append(b)
    requirements = {title: [(r.capability_id, r.level) for r in role.requirements]
                    for title, role in role_rows.items()}
    colleagues = [p.id for p in people]
    today = date.today()
    start = today - timedelta(days=548)  # 18 months
    now = utcnow()
    next_id = (db.session.scalar(select(func.max(Assessment.id))) or 0) + 1
    assignments: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    for person in people:
        title = "Software Engineer" if person.email == "employee@acme.test" else _role_for(
            person.job_title)
        targets = moves.get(title, [])
        target = None
        if targets and (person.email == "employee@acme.test" or rng.random() < 0.4):
            target = role_rows[targets[0] if person.email == "employee@acme.test"
                               else rng.choice(targets)].id
        assignments.append({"user_id": person.id, "company_id": acme.id,
                            "role_id": role_rows[title].id, "target_role_id": target,
                            "updated_at": now})
        manager = person.manager_id or hr.id
        for cap_id, target_level in requirements[title]:
            rows = _history(rng, person.id, manager, hr.id, colleagues, cap_id, target_level,
                            start, today, next_id)
            next_id += len(rows)
            evidence.extend(r | {"company_id": acme.id, "created_at": now} for r in rows)
            timeline = levels.timeline([levels.Evidence(r["id"], r["level"], r["source"],
                                                        r["assessed_on"]) for r in rows])
            for d, lv, prev, aid in timeline:
                changes.append({"company_id": acme.id, "user_id": person.id,
                                "capability_id": cap_id, "changed_on": d, "level": lv,
                                "previous_level": prev, "assessment_id": aid})
            if timeline and timeline[-1][1]:
                d, lv, _p, aid = timeline[-1]
                current.append({"company_id": acme.id, "user_id": person.id,
                                "capability_id": cap_id, "level": lv, "since": d,
                                "assessment_id": aid})
    for model, rows in ((RoleAssignment, assignments), (Assessment, evidence),
                        (LevelChange, changes), (CapabilityLevel, current)):
        _bulk(model, rows)
    if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('capability_assessments',"
                                " 'id'), (SELECT max(id) FROM capability_assessments))"))
    return len(evidence)


def _bulk(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL, chunked executemany elsewhere."""
    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        for i in range(0, len(rows), CHUNK):
            db.session.execute(insert(model), rows[i : i + CHUNK])
        return
    columns = list(rows[0])
    db.session.flush()
    driver: Any = db.session.connection().connection.driver_connection  # psycopg's, for COPY
    cursor = driver.cursor()
    names = ", ".join(columns)
    with cursor.copy(f"COPY {model.__tablename__} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _history(rng: random.Random, user_id: int, manager_id: int, admin_id: int,
             colleagues: list[int], cap_id: int, target: int, start: date, today: date,
             next_id: int) -> list[dict[str, Any]]:
    """A believable story for one person and capability: a self-assessment, a manager rating,
    then growth through courses, mentoring and later ratings."""
    span = (today - start).days
    level = max(1, target - rng.choice((0, 1, 1, 2, 2)))
    day = rng.randint(0, 60)
    story = [("self", min(5, level + rng.choice((0, 0, 1)))), ("manager", level)]
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        level = min(5, level + rng.choice((0, 1, 1)))
        story.append((rng.choice(("manager", "offering", "mentor", "peer", "self", "manager")),
                      level))
    rows: list[dict[str, Any]] = []
    for source, lv in story:
        author = {"self": user_id, "manager": manager_id, "peer": rng.choice(colleagues)}.get(
            source, admin_id)
        rows.append({"id": next_id + len(rows), "user_id": user_id, "capability_id": cap_id,
                     "level": lv, "source": source, "author_id": author,
                     "assessed_on": start + timedelta(days=min(span, day)),
                     "note": rng.choice(NOTES[source]),
                     "reference": "demo" if source in ("offering", "mentor") else None})
        day += rng.randint(40, 200)
    return rows
