"""Request pages: request form, my requests, one request, inbox with bulk approve, policy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from pathways.requests import submit, transitions
from pathways.requests.models import LearningRequest, RequestSettings
from tests.querycount import count_queries

from .conftest import assert_ledger_ok


@pytest.fixture
def w(acme_world, give, fund):
    give(acme_world.ada, 100_000)
    give(acme_world.max, 100_000)
    fund(acme_world.company, 1_000_000, acme_world.harriet)
    return acme_world


def test_employee_requests_from_the_form_and_sees_the_hold(w, auth, client, make_offering):
    course = make_offering(w.company, 40_000, "Robot vision")
    auth.login(w.ada)
    page = client.get(f"/requests/new?offering_id={course.id}").get_data(as_text=True)
    assert "Request and hold €400.00" in page and "€600.00" in page  # available after
    r = client.post(f"/requests/new?offering_id={course.id}", data={"note": "For the arm",
                                                                     "key": "form-1"})
    assert r.status_code == 302
    again = client.post(f"/requests/new?offering_id={course.id}", data={"key": "form-1"})
    assert again.status_code == 302  # a double submit makes one request
    assert db.session.scalar(select(db.func.count(LearningRequest.id))) == 1
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Waiting for approval" in page and "Max" in page and "For the arm" in page
    mine = client.get("/requests").get_data(as_text=True)
    assert "Robot vision" in mine and "waiting for your manager" in mine
    assert "How holds behave when budgets change" in mine


def test_insufficient_budget_shows_next_to_the_note(w, auth, client, make_offering, fingerprint):
    course = make_offering(w.company, 100_001)
    auth.login(w.ada)
    before = fingerprint()
    page = client.post(f"/requests/new?offering_id={course.id}", data={"key": "k9"})
    assert page.status_code == 200
    assert "Insufficient budget: this needs €1,000.01" in page.get_data(as_text=True)
    assert fingerprint() == before


def test_manager_decides_on_the_request_page_with_a_comment(w, auth, client, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    db.session.commit()
    auth.login(w.max)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Your decision" in page
    r = client.post(f"/requests/{req.id}/reject", data={"comment": "Next year"})
    assert r.status_code == 302
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Rejected" in page and "Next year" in page and "Your decision" not in page


def test_requester_cannot_decide_on_the_page(w, auth, client, make_offering):
    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    db.session.commit()
    auth.login(w.ada)
    assert "Your decision" not in client.get(f"/requests/{req.id}").get_data(as_text=True)
    page = client.post(f"/requests/{req.id}/approve", data={})
    assert "Nobody approves their own request" in page.get_data(as_text=True)
    db.session.refresh(req)
    assert req.status == "pending"


def test_inbox_filters_and_bulk_approve(w, auth, client, make_offering, make_user):
    carl = make_user(w.company, name="Carl", manager=w.max)
    give_ = [submit.create_for_offering(w.ada, make_offering(w.company, 5_000 + i), None)
             for i in range(3)]
    db.session.commit()
    auth.login(w.max)
    page = client.get("/requests/inbox").get_data(as_text=True)
    assert page.count('name="request_id"') == 3
    filtered = client.get(f"/requests/inbox?requester={carl.id}").get_data(as_text=True)
    assert 'name="request_id"' not in filtered
    r = client.post("/requests/inbox/approve", data={
        "request_id": [str(give_[0].id), str(give_[1].id)], "comment": "Batch ok"})
    assert r.status_code == 302
    statuses = [db.session.get(LearningRequest, g.id).status for g in give_]
    assert statuses == ["purchased", "purchased", "pending"]
    assert db.session.get(LearningRequest, give_[0].id).events[1].comment == "Batch ok"
    assert_ledger_ok()  # noqa: F405


def test_inbox_query_count_does_not_grow_with_requests(w, auth, client, make_offering):
    auth.login(w.harriet)
    course = make_offering(w.company, 1_000)

    def load() -> int:
        with count_queries() as counter:
            assert client.get("/requests/inbox?status=").status_code == 200
        return counter.count

    submit.create_for_offering(w.ada, course, None)
    db.session.commit()
    few = load()
    for _ in range(8):
        submit.create_for_offering(w.ada, course, None)
        submit.create_for_offering(w.max, course, None)
    db.session.commit()
    assert load() == few


def test_admin_edits_the_policy(w, auth, client):
    auth.login(w.harriet)
    page = client.get("/requests/policy").get_data(as_text=True)
    assert 'value="500.00"' in page
    r = client.post("/requests/policy", data={"manager_approval": "y", "admin_threshold": "750",
                                              "auto_approve_max": "0", "purchase_mode": "manual"})
    assert r.status_code == 302
    row = db.session.scalar(select(RequestSettings))
    assert (row.admin_threshold_minor, row.auto_approve_max_minor, row.purchase_mode) == (
        75_000, 0, "manual")
    bad = client.post("/requests/policy", data={"admin_threshold": "-5", "purchase_mode": "auto"})
    assert bad.status_code == 200 and "Number must be at least 0" in bad.get_data(as_text=True)
    auth.logout()
    auth.login(w.max)
    assert client.get("/requests/policy").status_code == 403


def test_admin_purchases_completes_and_refunds_on_the_page(w, auth, client, make_offering,
                                                          set_policy):
    set_policy(w.harriet, purchase_mode="manual")
    req = submit.create_for_offering(w.ada, make_offering(w.company, 20_000), None)
    transitions.approve(w.max, req)
    db.session.commit()
    auth.login(w.harriet)
    assert "Record the purchase" in client.get(f"/requests/{req.id}").get_data(as_text=True)
    client.post(f"/requests/{req.id}/purchase", data={"provider_reference": "INV-9"})
    client.post(f"/requests/{req.id}/refund", data={"amount": "50", "reason": "Partial",
                                                    "key": "rf1"})
    db.session.refresh(req)
    assert (req.status, req.provider_reference, req.refunded_minor) == ("purchased", "INV-9",
                                                                         5_000)
    auth.logout()
    auth.login(w.ada)
    client.post(f"/requests/{req.id}/complete", data={"evidence": "Done: cert 7"})
    db.session.refresh(req)
    assert (req.status, req.evidence) == ("completed", "Done: cert 7")
    assert_ledger_ok()  # noqa: F405


def test_home_shows_the_inbox_card_and_the_budget_card_links_requests(w, auth, client,
                                                                       make_offering):
    submit.create_for_offering(w.ada, make_offering(w.company, 1_000), None)
    db.session.commit()
    auth.login(w.max)
    home = client.get("/home").get_data(as_text=True)
    assert "<span class=\"stat-value\">1</span> request waits for your decision" in home
    assert "Your learning requests" in home


def test_a_pending_request_after_the_year_closed_is_explained(w, auth, client, make_offering):
    from datetime import date

    from billing import budgets
    from billing.policies import period_for

    req = submit.create_for_offering(w.ada, make_offering(w.company, 10_000), None)
    db.session.commit()
    period = period_for(w.company, date.today())
    budgets.close_period(w.harriet, w.company, period)
    db.session.commit()
    auth.login(w.ada)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert f"held on the {period.label} budget, whose fiscal year has closed" in page
