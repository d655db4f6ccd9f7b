"""Demo communities for Acme Robotics (seeder order 75, after mentoring and requests).

Four communities around Emma's (employee@acme.test) gaps and other capabilities — open, by
request, and one private she is not invited to — with members, questions with accepted answers,
posts, votes, an upcoming and a past event, and ideas in every status. Deterministic (seeded
random), no e-mails sent.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import select

from app.demo import DemoWorld
from app.extensions import db
from app.models import User, UserStatus, utcnow
from pathways.capabilities import gaps, roles
from pathways.capabilities.models import Capability
from pathways.catalogue.models import Offering

from . import communities, events, ideas, posts
from .communities import CommunityData
from .models import Community, CommunityEvent, EventRsvp

QUESTIONS = [
    ("How do you structure a design review?", "I have my first design review next week. "
     "What should the document contain, and how long should it be?",
     ["Keep it to **two pages**: the problem, the options you rejected and why, and the "
      "decision you want.", "Send it a day early and ask one named person to play devil's "
      "advocate."]),
    ("Best way to learn from incidents?", "Our post-mortems feel like blame sessions. How do "
     "you run them?", ["Ask *what made the mistake reasonable at the time*, never who. We use "
                       "a template with a timeline first.", "Publish them: the whole company "
                       "learns, and people stop hiding small incidents."]),
    ("Which course helped you most?", "Planning my learning budget for the year: which course "
     "was worth it?", ["The workshop-style ones with homework between sessions.",
                       "Pair it with a mentor: the course gives vocabulary, the mentor "
                       "practice."]),
]
POSTS = [("Notes from the last study group", "We walked through three real examples; slides "
          "are in the shared drive. Next time: bring a problem from your own work."),
         ("Reading list", "1. *Thinking in Systems*\n2. *Accelerate*\n3. *The Manager's Path*")]
IDEAS = [  # title, why, status, response
    ("Hands-on Kubernetes workshop", "Half of Platform is learning it alone from videos.",
     "open", None),
    ("Negotiation skills for engineers", "We negotiate scope with customers every week.",
     "planned", "Planned for the autumn: we are choosing a provider."),
    ("Intro to statistics for product managers", "A/B tests are read wrongly too often.",
     "added", "Added to the catalogue."),
    ("A company book club on fiction", "Reading together builds community.", "declined",
     "A lovely idea, but not learning budget: the social committee will pick it up."),
    ("Safety certification refresher", "Robotics needs it every two years.", "open", None),
]


def _people(world: DemoWorld) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.company_id == world.acme.id, User.status == UserStatus.ACTIVE.value,
        User.email != "exec@acme.test").order_by(User.id)))


def _gap_capabilities(emma: User) -> list[int]:
    assignment = roles.assignment(emma)
    rows = gaps.gaps(emma, assignment.role if assignment else None) + gaps.gaps(
        emma, assignment.target_role if assignment else None)
    return sorted({g.capability_id for g in rows if g.gap})


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    rng = random.Random(75)
    emma, hr = world.people["employee@acme.test"], world.people["hr@acme.test"]
    caps = list(db.session.scalars(select(Capability).where(
        Capability.company_id == world.acme.id).order_by(Capability.name)))
    people = [p for p in _people(world) if p.id not in (emma.id, hr.id)]
    if not caps or len(people) < 6:
        return
    gap_ids = _gap_capabilities(emma) or [caps[0].id]
    by_id = {c.id: c for c in caps}
    plan = [  # name, visibility, capabilities, owner, Emma a member
        (f"{by_id[gap_ids[0]].name} circle", "open", gap_ids[:2], people[0], True),
        ("Robotics guild", "request", [caps[len(caps) // 2].id], people[1], False),
        ("Engineering leadership", "open", [caps[-1].id], hr, True),
        ("Hiring panel", "private", [caps[1].id], people[2], False),
    ]
    made = []
    for name, visibility, cap_ids, owner, with_emma in plan:
        c = communities.propose(owner, CommunityData(
            name, f"People at Acme growing in {', '.join(by_id[i].name for i in cap_ids)}: ask, "
            "share and meet.", None, visibility, cap_ids))
        members = rng.sample(people[3:], min(len(people) - 3, 10))
        for person in members + ([emma] if with_emma else []):
            if visibility == "open":
                communities.join(person, c)
            else:
                communities.add_member(owner, c, person.id)
                communities.join(person, c)
        made.append((c, [owner, *members]))
    communities.join(people[4], made[1][0])  # a request waiting for the guild's owner
    db.session.flush()
    for c, members in made[:3]:
        _threads(rng, c, members)
        _events(rng, c, members)
    _ideas(rng, world, hr, people)
    say(f"Community: {len(made)} communities with questions, answers, events and "
        f"{len(IDEAS)} ideas.")


def _threads(rng: random.Random, c: Community, members: Sequence[User]) -> None:
    for title, body, answers in QUESTIONS:
        asker = rng.choice(members)
        q = posts.write_post(asker, c, "question", title, body)
        replies = [posts.reply(p, q, text) for p, text in zip(
            rng.sample([m for m in members if m.id != asker.id], len(answers)), answers,
            strict=True)]
        voters = [m for m in members if m.id not in (asker.id, replies[0].author_id)]
        for voter in rng.sample(voters, min(3, len(voters))):
            posts.vote(voter, "reply", replies[0], c, 1)
        if rng.random() < 0.75:
            posts.accept(asker, q, replies[0].id)
    for title, body in POSTS:
        posts.write_post(rng.choice(members), c, "post", title, body)


def _events(rng: random.Random, c: Community, members: Sequence[User]) -> None:
    start = (utcnow() + timedelta(days=rng.randint(3, 12))).replace(hour=15, minute=0, second=0,
                                                                     microsecond=0)
    upcoming = events.schedule(members[0], c, events.EventData(
        f"{c.name}: open study group", "study_group", start, 60, "Europe/London", 12,
        "https://meet.example.test/study", None, "Bring a question from your own work."))
    for person in members[1:5]:
        events.rsvp(person, upcoming)
    # A past event is written directly: scheduling refuses times in the past.
    past = CommunityEvent(company_id=c.company_id, community_id=c.id, organiser_id=members[0].id,
                          kind="talk", title=f"{c.name}: lightning talks",
                          starts_at=start - timedelta(days=30),
                          ends_at=start - timedelta(days=30, minutes=-60),
                          timezone="Europe/London", capacity=30, place="Atrium, 2nd floor",
                          going=len(members[1:7]))
    db.session.add(past)
    db.session.flush()
    for person in members[1:7]:
        db.session.add(EventRsvp(event_id=past.id, user_id=person.id, company_id=c.company_id,
                                 attended=rng.random() < 0.8))
    db.session.flush()


def _ideas(rng: random.Random, world: DemoWorld, hr: User, people: Sequence[User]) -> None:
    offering = db.session.scalar(select(Offering).where(
        Offering.company_id == world.acme.id).order_by(Offering.id).limit(1))
    for title, why, status, response in IDEAS:
        author = rng.choice(people)
        idea = ideas.propose(author, title, why)
        for voter in rng.sample([p for p in people if p.id != author.id], rng.randint(1, 6)):
            posts.vote(voter, "idea", idea, None, 1)
        ideas.comment(rng.choice(people), idea, "Yes, I would sign up for this.")
        if status == "added" and offering is None:
            status, response = "planned", "Planned."
        if status != "open":
            ideas.answer(hr, idea, status, response,
                         offering.id if status == "added" and offering else None)
