"""Spend by offering type and provider, ways to close gaps and pathway progress, read from the
catalogue, learning requests and enrolments."""

from __future__ import annotations

from datetime import date, datetime

from app.extensions import db
from billing import holds
from pathways.catalogue.models import Offering, OfferingCapability, Provider
from pathways.learning.models import Enrolment, Pathway, PathwayStep
from pathways.requests.models import LearningRequest
from reports import datasets

from .conftest import END, START, World, _dated


def _offering(world: World, provider: Provider, kind: str, title: str, price: int) -> Offering:
    offering = Offering(company_id=world.company.id, provider_id=provider.id, type=kind,
                        title=title, price_minor=price, currency="EUR")
    db.session.add(offering)
    db.session.flush()
    db.session.add(OfferingCapability(offering_id=offering.id, capability_id=world.data.id,
                                      company_id=world.company.id, from_level=1, to_level=3))
    return offering


def _buy(world: World, who: str, offering: Offering, on: date, n: int) -> None:
    person = world.people[who]
    req = LearningRequest(company_id=world.company.id, requester_id=person.id, kind="offering",
                          offering_id=offering.id, title=offering.title,
                          price_minor=offering.price_minor, currency="EUR", status="purchased")
    db.session.add(req)
    db.session.commit()
    hold = _dated(on, lambda: holds.hold(person, person, offering.price_minor,
                                         f"request:{req.id}", f"rq-hold-{n}", on=on))
    _dated(on, lambda: holds.capture(world.admin, hold, f"rq-capture-{n}"))


def test_spend_by_type_and_provider_and_pathways(small: World) -> None:
    acad = Provider(company_id=small.company.id, name="Data Academy")
    books = Provider(company_id=small.company.id, name="O'Books")
    db.session.add_all([acad, books])
    db.session.flush()
    course = _offering(small, acad, "course", "SQL for analysts", 20_000)
    book = _offering(small, books, "book", "Statistics done wrong", 3_000)
    pathway = Pathway(company_id=small.company.id, title="Become a data analyst",
                      target_capability_id=small.data.id, status="published")
    db.session.add(pathway)
    db.session.flush()
    db.session.add_all([
        PathwayStep(company_id=small.company.id, pathway_id=pathway.id, position=1,
                    kind="offering", title="Course", offering_id=course.id),
        PathwayStep(company_id=small.company.id, pathway_id=pathway.id, position=2,
                    kind="practice", title="Project", estimated_cost_minor=500)])
    for i, who in enumerate(("A1", "A2", "A3", "B1")):
        db.session.add(Enrolment(company_id=small.company.id, pathway_id=pathway.id,
                                 user_id=small.people[who].id, status="completed" if i < 2
                                 else "active", created_at=datetime(2025, 1, 5),
                                 completed_at=datetime(2025, 3, 1) if i < 2 else None))
    db.session.commit()
    _buy(small, "A5", course, date(2025, 2, 1), 1)
    _buy(small, "A6", course, date(2025, 3, 1), 2)
    _buy(small, "B2", book, date(2025, 4, 1), 3)
    _buy(small, "B3", book, date(2025, 8, 1), 4)  # after the period

    d = datasets.build(small.company, datasets.Params(small.company.id, START, END),
                       today=date(2026, 12, 1))
    assert d.headline("spend_minor").value == 120_000 + 43_000
    assert [(s.kind, s.provider, s.spend_minor) for s in d.spend_by_offering] == [
        ("Not linked to an offering", "—", 120_000), ("Course", "Data Academy", 40_000),
        ("Book", "O'Books", 3_000)]
    data_gap = next(g for g in d.gaps if g.capability == "Data analysis")
    assert [(o.kind, o.title, o.cost_minor) for o in data_gap.options] == [
        ("Pathway", "Become a data analyst", 20_500), ("Book", "Statistics done wrong", 3_000),
        ("Course", "SQL for analysts", 20_000)]
    # The cheapest way per person (the book) times the people with the gap.
    assert data_gap.cost_to_close_minor == 3_000 * data_gap.people_with_gap
    [progress] = d.pathways
    assert (progress.title, progress.enrolled, progress.completed,
            progress.completed_in_period) == ("Become a data analyst", 4, 2, 2)
    assert progress.completion == 0.5


def test_the_report_finds_every_room_it_reads(app: object) -> None:
    """The sources are looked up by module path: a room that moved must still be found."""
    from reports import sources

    assert sources.available() == {"catalogue": True, "requests": True, "mentors": True}
