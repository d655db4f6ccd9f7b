"""Who may see and guide whose learning: the rules of app.access (PRODUCT.md), not local copies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import PermissionDenied
from app.extensions import db
from pathways.learning import completing, enrolments
from pathways.learning.models import Enrolment, StepCompletion
from tests.pathways.catalogue.conftest import make_offering, world  # noqa: F401  (fixtures)


def test_an_executive_reads_an_enrolment_but_cannot_mark_its_steps_done(world, client, auth,  # noqa: F811
                                                                        make_user):
    enrolment = enrolments.enrol_self(world["ada"], world["path"])
    db.session.commit()
    step = sorted(world["path"].steps, key=lambda s: s.position)[0]
    auth.login(make_user(world["acme"], roles=("executive",), name="Eve Exec"))
    assert client.get(f"/me/learning/{enrolment.id}").status_code == 200
    done = client.post(f"/me/learning/{enrolment.id}/steps/{step.id}/done",
                       data={f"s{step.id}-note": "Done"}, follow_redirects=True)
    assert "Only the person, their manager or L&amp;D can complete a step." in done.text
    assert db.session.scalar(select(func.count(StepCompletion.id))) == 0


def test_a_line_manager_without_the_manager_role_guides_their_report(world, make_user):  # noqa: F811
    """The relation grants it (an identity provider may set a manager without the role)."""
    lead = make_user(world["acme"], name="Lee Lead")
    report = make_user(world["acme"], name="Rae", manager=lead)
    result = enrolments.assign(lead, world["path"], [report])
    assert result.enrolled == 1
    with pytest.raises(PermissionDenied):
        enrolments.assign(lead, world["path"], [world["ada"]])  # not Lee's report
    db.session.rollback()


def test_nobody_verifies_their_own_completion_not_even_an_admin(world):  # noqa: F811
    admin = world["admin"]
    completing.set_verification(admin, True)
    enrolment = enrolments.enrol_self(admin, world["path"])
    step = sorted(world["path"].steps, key=lambda s: s.position)[0]
    pending = completing.complete_step(admin, enrolment, step, "Read it")
    assert pending.status == "pending"
    assert pending not in completing.pending_for(admin)
    with pytest.raises(PermissionDenied):
        completing.verify_completion(admin, pending)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
