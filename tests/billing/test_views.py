"""Budget pages: overview, policies, adjustments, wallet, CSV exports and the home card."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

from sqlalchemy import event, select

from app.csvout import safe_cell
from app.extensions import db
from app.models import AuditEntry
from billing import holds
from billing.models import BudgetPolicy
from billing.queries import person_balances

from .conftest import FY2026, MARCH, assert_ledger_ok, key


@contextmanager
def count_queries():
    seen: list[str] = []

    def listener(*args):  # type: ignore[no-untyped-def]
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_the_allocation_table_costs_the_same_queries_for_3_or_30_people(
        acme, admin, make_user, give, auth, client):
    auth.login(admin)
    for _ in range(2):
        give(make_user(acme), 10_000)
    with count_queries() as few:
        assert client.get("/budgets?period=2026").status_code == 200
    for _ in range(28):
        give(make_user(acme), 10_000)
    with count_queries() as many:
        page = client.get("/budgets?period=2026")
    assert len(many) == len(few)
    assert "31 people" in page.get_data(as_text=True)  # 25 per page, paginated


def test_an_admin_saves_a_policy_and_runs_the_allocation(acme, admin, auth, client):
    auth.login(admin)
    r = client.post("/budgets/policies/new", data={
        "scope": "default", "annual_allowance": "1200.00", "accrual": "upfront",
        "prorate_joiners": "y", "rollover_cap": "100"})
    assert r.status_code == 302
    policy = db.session.scalar(select(BudgetPolicy))
    assert (policy.annual_allowance_minor, policy.rollover_cap_minor) == (120_000, 10_000)
    bad = client.post("/budgets/policies/new", data={
        "scope": "team", "annual_allowance": "10", "accrual": "upfront"})
    assert "Choose one of your teams." in bad.get_data(as_text=True)
    r = client.post("/budgets/allocate", data={"period": "2026-01-01", "key": "k1"},
                    follow_redirects=True)
    assert "allocated €1,200.00 to 1 people" in r.get_data(as_text=True)
    assert_ledger_ok()


def test_an_adjustment_below_what_is_spent_shows_the_reason_next_to_the_amount(
        acme, admin, make_user, give, auth, client):
    ada = make_user(acme, name="Ada")
    give(ada, 10_000)
    auth.login(admin)
    url = f"/budgets/people/{ada.id}?period=2026"
    r = client.post(url, data={"direction": "deduct", "amount": "150", "reason": "cut",
                               "key": "a1"})
    assert r.status_code == 200
    assert "You can deduct at most €100.00 from Ada" in r.get_data(as_text=True)
    for _ in range(2):  # a double submit of the same form moves money once
        r = client.post(url, data={"direction": "add", "amount": "50", "reason": "bonus",
                                   "key": "a2"})
        assert r.status_code == 302
    assert person_balances(ada, FY2026).available_minor == 15_000
    assert_ledger_ok()


def test_recording_a_bank_transfer_credits_the_wallet_and_is_audited(admin, auth, client):
    auth.login(admin)
    r = client.post("/wallet", data={"amount": "5000", "bank_reference": "SEPA-42", "key": "t1"},
                    follow_redirects=True)
    assert "Bank transfer recorded" in r.get_data(as_text=True)
    assert "€5,000.00" in r.get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "wallet.funded"))
    assert entry.actor_id == admin.id and "SEPA-42" in entry.summary
    assert_ledger_ok()


def test_csv_exports_neutralise_formulas(acme, admin, make_user, give, fund, auth, client):
    ada = make_user(acme)
    give(ada, 10_000)
    fund(10_000)
    holds.hold(ada, ada, 1_000, "=HYPERLINK(\"http://evil\")", key(), on=MARCH)
    db.session.commit()
    auth.login(admin)
    for url in (f"/budgets/people/{ada.id}/transactions.csv", "/wallet/transactions.csv"):
        r = client.get(url)
        assert r.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
        assert any(row["reference"] == "'=HYPERLINK(\"http://evil\")" for row in rows)
    assert [safe_cell(v) for v in ("+1", "-2", "@x", "ok", -5)] == ["'+1", "'-2", "'@x", "ok", -5]


def test_an_employee_sees_their_budget_card_and_history_but_not_admin_pages(
        acme, make_user, give, auth, client):
    ada = make_user(acme)
    give(ada, 10_000)
    holds.hold(ada, ada, 2_500, "request:1", key(), on=MARCH)
    db.session.commit()
    auth.login(ada)
    home = client.get("/home").get_data(as_text=True)
    assert "Your learning budget" in home
    assert client.get(f"/budgets/people/{ada.id}?period=2026").status_code == 200
    assert client.get("/budgets").status_code == 403
    assert client.get("/wallet").status_code == 403
    assert client.post(f"/budgets/people/{ada.id}", data={
        "direction": "add", "amount": "1", "reason": "me", "key": "x"}).status_code == 403


def test_empty_pages_say_what_to_do_next(admin, auth, client):
    auth.login(admin)
    assert "Create the default policy" in client.get("/budgets/policies").get_data(as_text=True)
    assert "No budget policy yet" in client.get("/budgets").get_data(as_text=True)
    assert "Record the first bank transfer" in client.get("/wallet").get_data(as_text=True)
