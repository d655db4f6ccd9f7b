"""Catalogue search and filters, offering rules, retire, reviews only by people who completed."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from pathways.catalogue import completions, offerings, reviews, search
from pathways.catalogue.search import SearchParams
from tests.pathways.conftest import admin_of


@pytest.fixture
def shelf(make_company, make_capability, make_offering, make_provider):  # noqa: F811
    acme = make_company(name="Acme")
    python, talk = make_capability(acme, "Python"), make_capability(acme, "Stakeholder management")
    oreilly = make_provider(acme, "O'Reilly")
    items = {
        "py": make_offering(acme, "Python for data work", 45_000, 12, {python: (1, 3)},
                            provider_id=oreilly.id, description="Pandas and 100% notebooks"),
        "book": make_offering(acme, "Fluent Python", 4_500, 20, {python: (2, 4)}, type="book"),
        "talk": make_offering(acme, "Influence without authority", 120_000, 16,
                              {talk: (1, 3)}, format="in_person",
                              description="Workshop on python-free persuasion"),
        "conf": make_offering(acme, "EuroPython 2026", 60_000, 24, {python: (2, 3)},
                              type="event", format="in_person"),
    }
    other = make_company(name="Other")
    make_offering(other, "Python for everyone", 100, 1)
    return {"acme": acme, "python": python, "talk": talk, "oreilly": oreilly, **items}


def titles(company, **kw):
    return [o.title for o in db.session.scalars(search.search(company.id, SearchParams(**kw)))]


def test_search_matches_every_word_in_title_description_provider_and_capabilities(shelf):
    acme = shelf["acme"]
    # Relevance: title matches (3) outrank description matches (1); other companies never show.
    assert titles(acme, q="python") == ["EuroPython 2026", "Fluent Python", "Python for data work",
                                        "Influence without authority"]
    assert titles(acme, q="python notebooks") == ["Python for data work"]
    assert titles(acme, q="o'reilly") == ["Python for data work"]
    assert titles(acme, q="stakeholder") == ["Influence without authority"]
    assert titles(acme, q="100%") == ["Python for data work"]  # LIKE wildcards are escaped
    assert titles(acme, q="_") == []


def test_filters_and_sorts(shelf):
    acme, python = shelf["acme"], shelf["python"]
    assert titles(acme, capability_id=python.id, sort="price") == [
        "Fluent Python", "Python for data work", "EuroPython 2026"]
    assert titles(acme, type="event") == ["EuroPython 2026"]
    assert titles(acme, format="in_person", sort="price_desc") == [
        "Influence without authority", "EuroPython 2026"]
    assert titles(acme, price_min=5_000, price_max=60_000, sort="price") == [
        "Python for data work", "EuroPython 2026"]
    assert titles(acme, hours_max=16, sort="duration") == [
        "Python for data work", "Influence without authority"]
    assert titles(acme, provider_id=shelf["oreilly"].id) == ["Python for data work"]


def test_parse_search_reads_major_units_and_names_bad_arguments(shelf):
    params = search.parse_search(MultiDict({"price_max": "450.50", "type": "book",
                                               "sort": "rating"}))
    assert (params.price_max, params.type, params.sort) == (45_050, "book", "rating")
    for args, name in [({"price_min": "cheap"}, "price_min"), ({"type": "movie"}, "type"),
                       ({"sort": "random"}, "sort"), ({"hours_max": "-1"}, "hours_max")]:
        with pytest.raises(ValidationError) as err:
            search.parse_search(MultiDict(args))
        assert err.value.field == name


def test_retired_offerings_leave_search_but_keep_their_history(shelf):
    acme = shelf["acme"]
    offerings.set_offering_retired(admin_of(acme), shelf["conf"], True)
    db.session.commit()
    assert "EuroPython 2026" not in titles(acme)
    assert "EuroPython 2026" in titles(acme, include_retired=True)


def test_offering_rules_name_the_field(shelf, make_capability):
    acme = shelf["acme"]
    admin = admin_of(acme)
    base = dict(title="X", type="course", price_minor=100, duration_hours=1)
    cases = [({"type": "podcast"}, "type"), ({"price_minor": -1}, "price_minor"),
             ({"price_minor": 1.5}, "price_minor"), ({"currency": "USD"}, "currency"),
             ({"duration_hours": -2}, "duration_hours"), ({"title": " "}, "title"),
             ({"url": "javascript:alert(1)"}, "url"), ({"format": "vr"}, "format"),
             ({"capabilities": [offerings.Delta(shelf["python"].id, 3, 2)]}, "capabilities"),
             ({"capabilities": [offerings.Delta(99_999, 1, 2)]}, "capabilities")]
    for change, name in cases:
        with pytest.raises(ValidationError) as err:
            offerings.save_offering(admin, offerings.OfferingData(**(base | change)))
        assert err.value.field == name, change
    employee_only = make_capability(acme, "Unused")  # noqa: F841  (unrelated data)
    with pytest.raises(PermissionDenied):
        from app.models import User

        offerings.save_offering(User(company_id=acme.id, name="E"),
                                offerings.OfferingData(**base))


def test_only_people_who_completed_an_offering_review_it(shelf, make_user):
    acme, offering = shelf["acme"], shelf["py"]
    ada, bob = make_user(acme, name="Ada"), make_user(acme, name="Bob")
    with pytest.raises(PermissionDenied):
        reviews.save_review(ada, offering, 5, "Great")
    assert not completions.has_completed(ada, offering)
    completions.record_offering_completion(admin_of(acme), ada, offering, "Certificate seen",
                                         reference="request:1")
    completions.record_offering_completion(bob, bob, offering)
    db.session.commit()
    assert completions.has_completed(ada, offering)
    reviews.save_review(ada, offering, 5, "Great")
    reviews.save_review(bob, offering, 2, "Too slow")
    reviews.save_review(ada, offering, 4, "Good, on reflection")  # replaces her review
    db.session.commit()
    assert (offering.rating_count, offering.rating) == (2, 3.0)
    with pytest.raises(ValidationError):
        reviews.save_review(ada, offering, 6, None)
    # Sorting by rating puts the reviewed offering first.
    assert titles(acme, sort="rating")[0] == "Python for data work"


def test_a_completion_records_offering_evidence_but_never_lowers_a_level(shelf, make_user,
                                                                         evidence):
    from pathways.capabilities import levels

    acme, python = shelf["acme"], shelf["python"]
    ada = make_user(acme, name="Ada")
    evidence(ada, python, 4)
    completions.record_offering_completion(admin_of(acme), ada, shelf["py"])  # python 1→3
    db.session.commit()
    assert levels.current_level(ada, python) == 4
    bob = make_user(acme, name="Bob")
    completions.record_offering_completion(admin_of(acme), bob, shelf["py"])
    db.session.commit()
    assert levels.current_level(bob, python) == 3
    view = levels.levels_of(bob)[python.id]
    assert view.decided_by.source == "offering" and view.decided_by.reference == (
        f"offering:{shelf['py'].id}")
