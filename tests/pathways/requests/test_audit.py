"""Every learning-request transition is in the audit log, written in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from pathways.requests import submit, transitions

from .conftest import assert_ledger_ok, key


def _entries(request_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "learning_request", AuditEntry.object_id == request_id)
        .order_by(AuditEntry.id)))


def test_each_transition_records_actor_request_statuses_and_amount(acme_world, make_offering,
                                                                    give, fund, set_policy):
    """Ada asks for a €700 course: Max, then Harriet approve; Harriet buys it for €650; Ada
    completes it; Harriet refunds €50, then the rest."""
    w = acme_world
    set_policy(w.harriet, purchase_mode="manual")
    give(w.ada, 100_000)
    fund(w.company, 100_000, w.harriet)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 70_000, "Robot vision"), "pls")
    transitions.approve(w.max, req)
    transitions.approve(w.harriet, req)
    transitions.purchase(w.harriet, req, "INV-7", 65_000)
    transitions.complete(w.ada, req, "Certificate 42")
    transitions.refund(w.harriet, req, 5_000, key("refund"), "Early-bird discount")  # noqa: F405
    transitions.refund(w.harriet, req, None, key("refund"), "Course cancelled")  # noqa: F405
    db.session.commit()

    got = [(e.action, e.actor_id, e.changes["status"], e.changes["amount_minor"][1])
           for e in _entries(req.id)]
    assert got == [
        ("learning_request.requested", w.ada.id, [None, "pending"], 70_000),
        ("learning_request.manager-approved", w.max.id, ["pending", "pending"], 70_000),
        ("learning_request.approved", w.harriet.id, ["pending", "approved"], 70_000),
        ("learning_request.purchased", w.harriet.id, ["approved", "purchased"], 65_000),
        ("learning_request.completed", w.ada.id, ["purchased", "completed"], 70_000),
        ("learning_request.refunded", w.harriet.id, ["completed", "completed"], 5_000),
        ("learning_request.refunded", w.harriet.id, ["completed", "refunded"], 60_000),
    ]
    first = _entries(req.id)[0]
    assert first.company_id == w.company.id
    assert first.summary == (f"Learning request #{req.id} (Robot vision) requested: "
                             "new → pending, €700.00")
    assert_ledger_ok()  # noqa: F405


def test_reject_and_cancel_are_audited_and_the_policy_is_the_actor_of_auto_steps(
        acme_world, make_offering, give, enrol_in_step):
    w = acme_world
    give(w.ada, 100_000)
    rejected = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    transitions.reject(w.max, rejected, "Not now")
    cancelled = submit.create_for_offering(w.ada, make_offering(w.company, 12_000), None)
    transitions.cancel(w.ada, cancelled, "Changed my mind")
    step_offering = make_offering(w.company, 5_000, "Pathway step")
    enrol_in_step(w.ada, step_offering)
    auto = submit.create_for_offering(w.ada, step_offering, None)  # auto-approved and purchased
    db.session.commit()

    assert [(e.action, e.actor_id) for e in _entries(rejected.id)][-1] == (
        "learning_request.rejected", w.max.id)
    assert [(e.action, e.actor_id) for e in _entries(cancelled.id)][-1] == (
        "learning_request.cancelled", w.ada.id)
    steps = [(e.action, e.actor_id) for e in _entries(auto.id)]
    assert steps[1][0] == "learning_request.auto-approved" and steps[1][1] is None
    assert_ledger_ok()  # noqa: F405


def test_a_transition_rolled_back_leaves_no_audit_entry(acme_world, make_offering, give):
    w = acme_world
    give(w.ada, 100_000)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    db.session.commit()
    transitions.approve(w.max, req, "yes")
    db.session.rollback()  # e.g. the request failed after the service ran
    assert [e.action for e in _entries(req.id)] == ["learning_request.requested"]


def test_the_admin_audit_log_page_shows_request_transitions(acme_world, make_offering, give,
                                                            auth, client):
    w = acme_world
    give(w.ada, 100_000)
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000, "Welding <basics>"),
                                  None)
    transitions.reject(w.max, req, "Not this quarter")
    db.session.commit()
    auth.login(w.harriet)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"Learning request #{req.id} (Welding &lt;basics&gt;) rejected: pending → rejected" \
        in page
    assert f'href="/requests/{req.id}"' in page
    assert "learning_request.rejected" in page
