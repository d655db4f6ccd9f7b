"""Pathways: building with prerequisites, estimates, assigning, completing steps into evidence."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app.errors import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from pathways.capabilities import levels
from pathways.catalogue import completions
from pathways.learning import builder, completing, enrolments, progress
from pathways.learning.builder import StepData
from pathways.learning.models import Enrolment, StepCompletion
from tests.pathways.catalogue.conftest import JPEG, PDF, PNG, make_offering  # noqa: F401  (fixtures)
from tests.pathways.conftest import admin_of


@pytest.fixture
def story(make_company, make_team, make_user, make_capability, make_offering,  # noqa: F811
          make_pathway):  # noqa: F811
    """Ada (Platform team, reports to Morgan) takes "Testing journey": a €300 course on
    Testing 1 → 3 (8 h), then a practice task on Testing level 3 (4 h, needs the course),
    then an optional reading."""
    acme = make_company(name="Acme")
    platform = make_team(acme, "Platform")
    sub = make_team(acme, "Platform QA", parent=platform)
    morgan = make_user(acme, name="Morgan", roles=("manager", "employee"))
    ada = make_user(acme, name="Ada", team=platform, manager=morgan)
    bob = make_user(acme, name="Bob", team=sub, manager=morgan)
    cy = make_user(acme, name="Cy")
    testing = make_capability(acme, "Testing")
    course = make_offering(acme, "Testing 101", 30_000, 8, {testing: (1, 3)})
    path = make_pathway(acme, "Testing journey", [StepData("offering", offering_id=course.id)],
                        publish=False)
    admin = admin_of(acme)
    practice = builder.add_step(admin, path, StepData(
        "practice", "Write the test plan for a service", capability_id=testing.id, to_level=3,
        estimated_hours=4, prerequisite_ids=[path.steps[0].id]))
    builder.add_step(admin, path, StepData(
        "reading", "Martin Fowler on test pyramids",
        url="https://martinfowler.com/bliki/TestPyramid.html", required=False,
        estimated_hours=0.5))
    builder.add_step(admin, path, StepData(
        "practice", "Teach the team", capability_id=testing.id, to_level=4,
        prerequisite_ids=[practice.id], estimated_cost_minor=5_000, estimated_hours=2,
        required=False))
    builder.publish(admin, path)
    db.session.commit()
    return dict(acme=acme, platform=platform, morgan=morgan, ada=ada, bob=bob, cy=cy,
                testing=testing, course=course, path=path)


def test_estimate_sums_offering_prices_and_step_estimates(story):
    est = builder.estimate(story["path"])
    assert (est.cost_minor, est.hours) == (35_000, 14.5)
    assert (est.required_cost_minor, est.required_hours) == (30_000, 12)


def test_prerequisites_must_be_earlier_steps_and_stay_before(story):
    path, admin = story["path"], admin_of(story["acme"])
    last = path.steps[-1]
    with pytest.raises(ValidationError) as err:
        builder.add_step(admin, path, StepData("reading", "x", url="https://x.test",
                                                       prerequisite_ids=[999_999]))
    assert err.value.field == "prerequisite_ids"
    # "Teach the team" (4th) needs the practice task (2nd): it may pass the reading, not that.
    builder.move_step(admin, path, last, -1)
    with pytest.raises(ValidationError, match="prerequisite"):
        builder.move_step(admin, path, last, -1)
    db.session.commit()
    assert [s.title for s in sorted(path.steps, key=lambda s: s.position)] == [
        "Testing 101", "Write the test plan for a service", "Teach the team",
        "Martin Fowler on test pyramids"]


def test_bulk_assign_to_a_team_includes_sub_teams_and_skips_people_already_enrolled(story):
    s = story
    admin = admin_of(s["acme"])
    result = enrolments.assign(admin, s["path"], people=[s["ada"]])
    assert (result.enrolled, result.already) == (1, 0)
    result = enrolments.assign(admin, s["path"], teams=[s["platform"]],
                                    due_date=date.today() + timedelta(days=30))
    assert (result.enrolled, result.already) == (1, 1)  # Bob (sub-team) new, Ada kept
    db.session.commit()
    with pytest.raises(ValidationError):
        enrolments.assign(admin, s["path"], people=[s["cy"]],
                               due_date=date.today() - timedelta(days=1))
    with pytest.raises(PermissionDenied):  # a manager only assigns their own reports
        enrolments.assign(s["morgan"], s["path"], people=[s["cy"]])


def test_draft_pathways_take_no_enrolments(story, make_pathway):  # noqa: F811
    draft = make_pathway(story["acme"], "Draft", [StepData("reading", "x", url="https://x.test")],
                         publish=False)
    with pytest.raises(ValidationError):
        enrolments.assign(admin_of(story["acme"]), draft, people=[story["ada"]])
    with pytest.raises(PermissionDenied):
        enrolments.enrol_self(story["ada"], draft)


def test_completing_steps_in_order_produces_evidence_and_completes_the_enrolment(story):
    s = story
    enrolment = enrolments.enrol_self(s["ada"], s["path"])
    db.session.commit()
    course_step, practice, reading, teach = sorted(s["path"].steps, key=lambda x: x.position)
    progress = enrolments.progress(enrolment)
    assert [x.state for x in progress.steps] == ["open", "locked", "open", "locked"]
    assert progress.next_step.step == course_step
    with pytest.raises(ValidationError, match="Testing 101"):
        enrolments.complete_step(s["ada"], enrolment, practice, note="Done")

    enrolments.complete_step(s["ada"], enrolment, course_step, note="Passed the exam",
                                  certificate=(PDF, "cert.pdf"))
    db.session.commit()
    # The course develops Testing 1 → 3: evidence from a completed offering at level 3.
    assert levels.current_level(s["ada"], s["testing"]) == 3
    assert completions.has_completed(s["ada"], s["course"])
    assert enrolments.progress(enrolment).percent == 50

    enrolments.complete_step(s["ada"], enrolment, practice, link="https://git.test/plan")
    db.session.commit()
    assert enrolment.status == "completed" and enrolment.completed_at is not None
    with pytest.raises(Conflict):
        enrolments.complete_step(s["ada"], enrolment, practice)
    # The optional "Teach the team" is Ada's own claim of level 4: self evidence, which does
    # not override the trusted course evidence.
    enrolments.complete_step(s["ada"], enrolment, teach, note="Ran a workshop")
    db.session.commit()
    assert levels.current_level(s["ada"], s["testing"]) == 3
    sources = sorted(a.source for a in levels.levels_of(s["ada"])[s["testing"].id].evidence)
    assert sources == ["offering", "self"]


def test_with_verification_required_the_manager_confirms_and_the_evidence_follows(story):
    s = story
    completing.set_verification(admin_of(s["acme"]), True)
    enrolment = enrolments.enrol_self(s["ada"], s["path"])
    steps = sorted(s["path"].steps, key=lambda x: x.position)
    done = enrolments.complete_step(s["ada"], enrolment, steps[0], note="Finished")
    db.session.commit()
    assert done.status == "pending" and levels.current_level(s["ada"], s["testing"]) == 0
    assert completing.pending_for(s["morgan"]) == [done]
    with pytest.raises(PermissionDenied):
        completing.verify_completion(s["ada"], done)
    with pytest.raises(PermissionDenied):
        completing.verify_completion(s["cy"], done)
    completing.verify_completion(s["morgan"], done)
    db.session.commit()
    assert levels.current_level(s["ada"], s["testing"]) == 3
    # The practice task marked by the manager is manager evidence of level 3 (already there).
    enrolments.complete_step(s["morgan"], enrolment, steps[1])
    db.session.commit()
    assert enrolment.status == "completed"


def test_uploads_are_sniffed_limited_and_never_orphaned(story, app):
    s = story
    enrolment = enrolments.enrol_self(s["ada"], s["path"])
    db.session.commit()
    first = sorted(s["path"].steps, key=lambda x: x.position)[0]
    reading = sorted(s["path"].steps, key=lambda x: x.position)[2]
    folder = Path(current_app.instance_path) / "uploads" / "certificates" / str(s["acme"].id)
    before = set(folder.glob("*")) if folder.exists() else set()
    for data, name, message in [(b"GIF89a" + b"\x00" * 10, "cert.pdf", "not a PDF, PNG or JPEG"),
                                (b"<html>%PDF-", "cert.pdf", "not a PDF"),
                                (b"", "empty.pdf", "empty"),
                                (PDF + b"\x00" * (6 * 1024 * 1024), "big.pdf", "at most 5 MB")]:
        with pytest.raises(ValidationError, match=message):
            enrolments.complete_step(s["ada"], enrolment, first, certificate=(data, name))
        db.session.rollback()
    assert (set(folder.glob("*")) if folder.exists() else set()) == before
    # A good file whose transaction rolls back is removed again.
    enrolments.complete_step(s["ada"], enrolment, reading, certificate=(PNG, "shot.png"))
    assert len(set(folder.glob("*")) - before) == 1
    db.session.rollback()
    assert set(folder.glob("*")) == before
    # A commit that fails (a duplicate completion row) leaves no file either.
    enrolment = db.session.get(Enrolment, enrolment.id)
    done = enrolments.complete_step(s["ada"], enrolment, reading,
                                         certificate=(JPEG, "photo.jpg"))
    db.session.commit()
    kept = set(folder.glob("*")) - before
    assert len(kept) == 1 and done.file_type == "image/jpeg" and done.file_name == "photo.jpg"
    assert (Path(current_app.instance_path) / done.file_path).read_bytes() == JPEG
    db.session.add(StepCompletion(company_id=s["acme"].id, enrolment_id=enrolment.id,
                                  step_id=reading.id, user_id=s["ada"].id))
    from app.extensions import db as _db
    from pathways.learning import uploads

    uploads.store(_db.session(), s["acme"].id, PDF, "late.pdf")
    with pytest.raises(Exception):  # noqa: B017 (IntegrityError from either database)
        db.session.commit()
    db.session.rollback()
    assert set(folder.glob("*")) - before == kept


def test_a_manager_sees_the_pathways_of_their_reports(story):
    s = story
    admin = admin_of(s["acme"])
    enrolments.assign(admin, s["path"], people=[s["ada"], s["bob"], s["cy"]])
    enrolment = enrolments.enrolments_for(s["path"])[0]
    first = sorted(s["path"].steps, key=lambda x: x.position)[0]
    enrolments.complete_step(enrolment.user, enrolment, first)
    db.session.commit()
    rows = progress.team_enrolments(s["morgan"])
    assert [(r.person, r.pathway, r.done, r.required) for r in rows] == [
        ("Ada", "Testing journey", 1, 2), ("Bob", "Testing journey", 0, 2)]  # not Cy


def test_open_steps_for_an_offering_feed_the_request_flow(story):
    s = story
    enrolment = enrolments.enrol_self(s["ada"], s["path"])
    db.session.commit()
    [(found, step)] = enrolments.open_steps_for(s["ada"], s["course"])
    assert found.id == enrolment.id and step.offering_id == s["course"].id
    assert enrolments.open_steps_for(s["bob"], s["course"]) == []  # not enrolled
    enrolments.complete_step(s["ada"], enrolment, step, reference="request:7")
    db.session.commit()
    assert enrolments.open_steps_for(s["ada"], s["course"]) == []
    from pathways.catalogue.models import OfferingCompletion

    assert db.session.scalar(select(OfferingCompletion.reference)) == "request:7"


def test_a_step_done_earlier_is_dated_on_that_day_and_never_in_the_future(story):
    """Back-filled completions (e.g. the demo's history) date their evidence on the day."""
    from pathways.capabilities.models import Assessment

    s = story
    enrolment = enrolments.enrol_self(s["ada"], s["path"])
    course_step = sorted(s["path"].steps, key=lambda x: x.position)[0]
    with pytest.raises(ValidationError, match="future"):
        enrolments.complete_step(s["ada"], enrolment, course_step,
                                      on=date.today() + timedelta(days=1))
    earlier = date.today() - timedelta(days=40)
    enrolments.complete_step(s["ada"], enrolment, course_step, note="Passed", on=earlier)
    db.session.commit()
    dates = db.session.scalars(select(Assessment.assessed_on).where(
        Assessment.user_id == s["ada"].id))
    assert set(dates) == {earlier}
    assert levels.current_level(s["ada"], s["testing"], at=earlier) == 3
