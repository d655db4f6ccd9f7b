"""The demo catalogue: providers, ~80 offerings across the framework, pathways with progress."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import demo
from app.extensions import db
from pathways.capabilities.models import Capability
from pathways.catalogue import completions
from pathways.catalogue.models import Offering, OfferingCapability, Provider, Review
from pathways.learning import enrolments, recommend
from pathways.learning.models import Enrolment, Pathway, StepCompletion


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only: the demo's content does not depend on the engine, and seeding on
    PostgreSQL (its COPY path) is covered by tests/app/test_cli.py."""
    return f"sqlite:///{tmp_path}/test.sqlite3"


def test_demo_seeds_a_catalogue_pathways_progress_and_reviews(app):
    world = demo.seed(60, say=lambda m: None)
    db.session.commit()
    acme = world.acme
    count = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.company_id == acme.id))
    assert count(Provider) == 10 and 75 <= count(Offering) <= 85 and count(Pathway) == 6
    # Every capability of the framework is developed by at least two offerings.
    covered = db.session.scalar(select(func.count(func.distinct(
        OfferingCapability.capability_id))).where(OfferingCapability.company_id == acme.id))
    assert covered == count(Capability)
    prices = list(db.session.scalars(select(Offering.price_minor).where(
        Offering.company_id == acme.id)))
    assert min(prices) >= 4_500 and max(prices) <= 200_000
    assert count(Enrolment) >= 40 and count(StepCompletion) > 0 and count(Review) > 10
    statuses = set(db.session.scalars(select(Enrolment.status).where(
        Enrolment.company_id == acme.id)))
    assert statuses == {"active", "completed"}
    # Reviews only come from people who completed the offering; ratings are kept in step.
    for review in db.session.scalars(select(Review).where(Review.company_id == acme.id)):
        offering = db.session.get(Offering, review.offering_id)
        assert completions.has_completed(review.user, offering)
    # Emma is on the senior pathway with her first step done, and has suggestions.
    emma = world.people["employee@acme.test"]
    mine = enrolments.enrolments_of(emma)
    assert mine and enrolments.progress(mine[0]).required_done == 1
    assert recommend.recommend(emma).candidates
