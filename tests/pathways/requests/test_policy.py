"""Every rule of the approval policy, and that nobody approves their own request."""

from __future__ import annotations

import pytest

from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from pathways.requests import approval, errors, submit, transitions

from .conftest import assert_ledger_ok


@pytest.fixture
def w(acme_world, give, fund):
    for person in (acme_world.ada, acme_world.max, acme_world.dora, acme_world.harriet,
                   acme_world.bea):
        give(person, 200_000)
    fund(acme_world.company, 1_000_000, acme_world.harriet)
    return acme_world


def test_below_threshold_the_line_manager_alone_approves(w, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 50_000), None)
    assert req.stages == ["manager"]
    assert approval.approvers_for(req) == [w.max]
    assert not approval.can_decide(w.dora, req)  # the manager's manager is not Ada's approver
    transitions.approve(w.max, req)
    assert req.status == "purchased"


def test_above_threshold_an_admin_approves_after_the_manager(w, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 50_001), None)
    assert req.stages == ["manager", "admin"]
    transitions.approve(w.max, req, "Fine by me")
    assert (req.status, req.current_stage) == ("pending", "admin")
    assert not approval.can_decide(w.max, req)
    with pytest.raises(PermissionDenied):
        transitions.approve(w.max, req)
    assert {u.email for u in approval.approvers_for(req)} == {"hr@acme.test", "bea@acme.test"}
    transitions.approve(w.harriet, req)
    assert req.status == "purchased"
    assert [e.action for e in req.events] == ["requested", "manager-approved", "approved",
                                              "purchased"]


def test_an_admin_settles_every_remaining_stage(w, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 90_000), None)
    transitions.approve(w.bea, req)
    assert req.status == "purchased" and req.stages_done == 2


def test_without_a_manager_the_request_goes_to_an_admin(w, make_offering):
    w.ada.manager_id = None
    db.session.commit()
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    assert req.stages == ["admin"]
    assert not approval.can_decide(w.max, req)


def test_a_manager_who_left_is_skipped(w, make_offering):
    w.max.status = "left"
    db.session.commit()
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    assert req.stages == ["admin"]


def test_manager_approval_off_leaves_only_the_admin_threshold(w, make_offering, set_policy):
    set_policy(w.harriet, manager_approval=False, admin_threshold=30_000)
    cheap = submit.create_for_offering(w.ada, make_offering(w.company, 30_000), None)
    dear = submit.create_for_offering(w.ada, make_offering(w.company, 30_001), None)
    assert cheap.stages == [] and cheap.status == "purchased"
    assert dear.stages == ["admin"]


def test_pathway_step_under_the_limit_is_auto_approved(w, make_offering, enrol_in_step):
    offering = make_offering(w.company, 20_000)
    enrolment, step = enrol_in_step(w.ada, offering)
    req = submit.create_for_offering(w.ada, offering, None)
    assert (req.stages, req.status) == ([], "purchased")
    assert (req.enrolment_id, req.step_id) == (enrolment.id, step.id)
    assert req.events[1].action == "auto-approved" and req.events[1].actor_id is None


def test_pathway_step_over_the_limit_needs_approval(w, make_offering, enrol_in_step):
    offering = make_offering(w.company, 20_001)
    enrol_in_step(w.ada, offering)
    req = submit.create_for_offering(w.ada, offering, None)
    assert req.stages == ["manager"] and req.status == "pending"


def test_the_same_offering_outside_a_pathway_needs_approval(w, make_offering, enrol_in_step):
    offering = make_offering(w.company, 10_000)
    enrol_in_step(w.max, offering)  # Max is enrolled, Ada is not
    req = submit.create_for_offering(w.ada, offering, None)
    assert req.stages == ["manager"]


def test_auto_approval_off(w, make_offering, enrol_in_step, set_policy):
    set_policy(w.harriet, auto_max=0)
    offering = make_offering(w.company, 5_000)
    enrol_in_step(w.ada, offering)
    assert submit.create_for_offering(w.ada, offering, None).stages == ["manager"]


def test_a_manager_never_approves_their_own_request(w, make_offering):
    req = submit.create_for_offering(w.max, make_offering(w.company, 10_000), None)
    assert req.stages == ["manager"] and approval.approvers_for(req) == [w.dora]
    assert not approval.can_decide(w.max, req)
    with pytest.raises(PermissionDenied, match="Nobody approves their own request"):
        transitions.approve(w.max, req)
    transitions.approve(w.dora, req)
    assert req.status == "purchased"


def test_an_admin_never_approves_their_own_request(w, make_offering):
    req = submit.create_for_offering(w.harriet, make_offering(w.company, 10_000), None)
    assert req.stages == ["admin"]  # Harriet has no manager
    assert approval.approvers_for(req) == [w.bea]
    with pytest.raises(PermissionDenied):
        transitions.approve(w.harriet, req)
    with pytest.raises(PermissionDenied):
        transitions.reject(w.harriet, req)
    transitions.approve(w.bea, req)
    assert req.status == "purchased"


def test_an_employee_cannot_decide_or_purchase(w, make_offering, make_user, set_policy):
    set_policy(w.harriet, purchase_mode="manual")
    other = make_user(w.company, name="Other")
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    with pytest.raises(PermissionDenied):
        transitions.approve(other, req)
    with pytest.raises(PermissionDenied):
        transitions.cancel(other, req)
    transitions.approve(w.max, req)
    with pytest.raises(PermissionDenied):
        transitions.purchase(w.max, req, "X")
    with pytest.raises(PermissionDenied):
        transitions.refund(w.ada, req, 100, "k", "no")


def test_repeated_approval_is_idempotent(w, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    transitions.approve(w.max, req)
    transitions.approve(w.max, req)
    transitions.approve(w.harriet, req)
    db.session.commit()
    assert [e.action for e in req.events] == ["requested", "approved", "purchased"]
    assert_ledger_ok()  # noqa: F405


def test_transitions_out_of_order_are_refused(w, make_offering, set_policy):
    set_policy(w.harriet, purchase_mode="manual")
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    with pytest.raises(errors.RequestStateError, match="before it is approved"):
        transitions.purchase(w.harriet, req)
    with pytest.raises(errors.RequestStateError, match="before it is purchased"):
        transitions.complete(w.ada, req)
    transitions.reject(w.max, req)
    with pytest.raises(errors.RequestStateError, match="rejected; it cannot be approved"):
        transitions.approve(w.harriet, req)


def test_free_and_foreign_currency_offerings_are_refused(w, make_offering):
    with pytest.raises(errors.RequestError, match="free"):
        submit.create_for_offering(w.ada, make_offering(w.company, 0), None)
    with pytest.raises(errors.RequestError, match="priced in USD"):
        submit.create_for_offering(w.ada, make_offering(w.company, 100, currency="USD"), None)


def test_policy_validation(w):
    with pytest.raises(ValidationError) as exc:
        approval.save_settings(w.harriet, approval.PolicyData(-1, 0, True, "auto"))
    assert exc.value.field == "admin_threshold_minor"
    with pytest.raises(ValidationError):
        approval.save_settings(w.harriet, approval.PolicyData(1, 0, True, "sometimes"))
    with pytest.raises(PermissionDenied):
        approval.save_settings(w.max, approval.PolicyData(1, 0, True, "auto"))
