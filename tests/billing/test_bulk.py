"""The bulk ledger path: allocation runs and period closes written by `ledger.post_bulk` leave
exactly the ledger that posting person by person leaves, rerun idempotently, and verify."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Company, User, utcnow
from billing import budgets, holds, ledger, policies, wallet
from billing.errors import IdempotencyConflict
from billing.models import (
    AccountKind,
    Budget,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TxKind,
)
from billing.policies import Period, PolicyData, Resolver

from .conftest import FY2026, MARCH, assert_ledger_ok, key

JUNE = date(2026, 6, 15)
FY2027 = FY2026.next()


def _company(make_company, make_user, make_team, slug):
    """Ten people covering every allocation rule: default, team and role policies, monthly
    accrual, pro-rata joiners, a future joiner, a leaver, a person with a budget already."""
    company = make_company(slug.title(), slug, currency="EUR", fiscal_year_start_month=1)
    admin = make_user(company, email=f"hr@{slug}.test", roles=("admin", "employee"))
    eng = make_team(company, "Engineering")
    ops = make_team(company, "Ops", parent=eng)
    people = [admin]
    people += [make_user(company, name=f"Default {i}") for i in range(2)]
    people += [make_user(company, name="Engineer", team=eng),
               make_user(company, name="Ops person", team=ops),
               make_user(company, name="Head", job_title="Head of L&D"),
               make_user(company, name="Joiner", start_date=date(2026, 2, 10)),
               make_user(company, name="Future", start_date=date(2026, 9, 1)),
               make_user(company, name="Leaver", status="left"),
               make_user(company, name="Adjusted")]
    policies.save_policy(admin, PolicyData("default", 120_000, rollover_cap_minor=20_000))
    policies.save_policy(admin, PolicyData("team", 60_000, accrual="monthly", team_id=eng.id,
                                           rollover_cap_minor=0))
    policies.save_policy(admin, PolicyData("role", 240_000, job_title="Head of L&D",
                                           rollover_cap_minor=100_000))
    budgets.adjust(admin, people[-1], 5_000, "Opening budget", "opening", FY2026)
    db.session.commit()
    return company, admin, people


def _picture(company: Company, people: list[User]) -> tuple[Counter, dict, dict]:
    """The company's ledger with people and budgets named by position, so that two companies
    built the same way compare equal: entries, non-zero balances, budget states."""
    who = {p.id: f"P{i}" for i, p in enumerate(people)}
    budget_names = {b.id: f"{who[b.user_id]}@{b.period_start}" for b in db.session.scalars(
        select(Budget).where(Budget.company_id == company.id))}

    def name(text: str | None) -> str | None:
        if text is None:
            return None
        text = re.sub(r"(allocation:|user:|available:|held:|spent:)(\d+)",
                      lambda m: m[1] + who[int(m[2])], text)
        return re.sub(r"(rollover:|expiry:)(\d+)", lambda m: m[1] + budget_names[int(m[2])],
                      text)

    entries = Counter(
        (kind, name(k), name(ref), reason, who.get(uid), name(code), amount)
        for kind, k, ref, reason, uid, code, amount in db.session.execute(
            select(LedgerTransaction.kind, LedgerTransaction.idempotency_key,
                   LedgerTransaction.reference, LedgerTransaction.reason,
                   LedgerTransaction.user_id, LedgerAccount.code, LedgerEntry.amount_minor)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerTransaction.company_id == company.id)))
    balances = {name(code): balance for code, balance in db.session.execute(
        select(LedgerAccount.code, LedgerAccount.balance_minor).where(
            LedgerAccount.company_id == company.id, LedgerAccount.balance_minor != 0))}
    states = {budget_names[b.id]: (b.policy_allocated_minor, b.closed_at is not None)
              for b in db.session.scalars(select(Budget).where(
                  Budget.company_id == company.id))}
    return entries, balances, states


def _one_by_one_allocation(admin: User, company: Company, as_of: date) -> None:
    for person in db.session.scalars(select(User).where(User.company_id == company.id)
                                     .order_by(User.id)):
        budgets.allocate_person(admin, person, FY2026, as_of)


def _one_by_one_close(actor: User, company: Company, period: Period) -> None:
    """The period close as it was before the bulk path: one lock and one post per budget."""
    resolver = Resolver(company.id)
    expired = ledger.company_account(company.id, AccountKind.EXPIRED, company.currency)
    for budget in db.session.scalars(select(Budget).where(
            Budget.company_id == company.id, Budget.period_start == period.start,
            Budget.closed_at.is_(None)).order_by(Budget.id)).all():
        user = budget.user
        policy = resolver.policy_for(user.job_title, user.team_id)
        ledger.lock([budget.available])
        left = budget.available.balance_minor
        carry = min(left, policy.rollover_cap_minor if policy and user.status == "active" else 0)
        if carry > 0:
            target = budgets.budget_for(user, period.next())
            ledger.post(actor, ledger.Posting(
                company.id, TxKind.ROLLOVER.value, f"rollover:{budget.id}",
                ledger.transfer(budget.available, target.available, carry),
                reference=f"user:{user.id}", reason=f"Rollover into {period.next().label}",
                user_id=user.id))
        if left - carry > 0:
            ledger.post(actor, ledger.Posting(
                company.id, TxKind.EXPIRY.value, f"expiry:{budget.id}",
                ledger.transfer(budget.available, expired, left - carry),
                reference=f"user:{user.id}", reason=f"{period.label} ended", user_id=user.id))
        budget.closed_at = utcnow()
    db.session.flush()


@pytest.fixture
def twins(make_company, make_user, make_team):
    return (_company(make_company, make_user, make_team, "bulk"),
            _company(make_company, make_user, make_team, "single"))


def test_bulk_allocation_leaves_the_same_ledger_as_person_by_person(twins):
    (bulk, bulk_admin, bulk_people), (single, single_admin, single_people) = twins
    for as_of in (MARCH, JUNE):  # June adds the monthly accrual since March
        budgets.run_allocation(bulk_admin, bulk, FY2026, as_of)
        _one_by_one_allocation(single_admin, single, as_of)
        db.session.commit()
        assert _picture(bulk, bulk_people) == _picture(single, single_people)
    entries, balances, _states = _picture(bulk, bulk_people)
    assert balances["available:P3:2026-01-01"] == 30_000  # Engineering: 6 of 12 months
    assert balances["available:P6:2026-01-01"] == 110_000  # joined in February: 11 months
    assert not any("P7" in str(row) or "P8" in str(row) for row in entries)  # future, leaver
    assert_ledger_ok()


def test_rerunning_an_allocation_moves_nothing_and_a_repeated_key_returns_the_first_run(twins):
    (company, admin, _people), _other = twins
    first = budgets.run_allocation(admin, company, FY2026, MARCH, key="run-1")
    db.session.commit()
    entries = db.session.scalar(select(func.count(LedgerEntry.id)))
    again = budgets.run_allocation(admin, company, FY2026, MARCH)
    assert (again.people, again.allocated_minor) == (0, 0)
    assert budgets.run_allocation(admin, company, FY2026, JUNE, key="run-1").id == first.id
    db.session.commit()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == entries
    assert_ledger_ok()


def test_bulk_close_leaves_the_same_ledger_as_budget_by_budget(twins):
    for company, admin, people in twins:
        wallet.record_bank_transfer(admin, company, 1_000_000, "SEPA", "fund")
        budgets.run_allocation(admin, company, FY2026, MARCH)
        budgets.allocate_person(admin, people[1], FY2027, date(2027, 1, 5))  # exists already
        spent = holds.hold(people[2], people[2], 110_000, "request:1", "h1", on=MARCH)
        holds.capture(admin, spent, "c1")  # 10,000 left: all of it rolls over (cap 20,000)
        holds.hold(people[5], people[5], 40_000, "request:2", "h2", on=MARCH)  # stays open
        people[9].status = "left"  # a leaver's budget lapses whole
        db.session.commit()
    (bulk, bulk_admin, bulk_people), (single, single_admin, single_people) = twins
    rolled = 20_000 + 20_000 + 10_000 + 100_000 + 20_000  # P0, P1, P2, P5 (cap 100,000), P6
    expired = 100_000 + 100_000 + 15_000 + 15_000 + 100_000 + 90_000 + 125_000
    assert budgets.close_period(bulk_admin, bulk, FY2026) == (rolled, expired)
    _one_by_one_close(single_admin, single, FY2026)
    db.session.commit()
    assert _picture(bulk, bulk_people) == _picture(single, single_people)
    entries, balances, states = _picture(bulk, bulk_people)
    assert balances["available:P1:2027-01-01"] == 120_000 + 20_000  # allocation + rollover
    assert balances["held:P5:2026-01-01"] == 40_000  # the open hold stays on the old budget
    assert balances["expired"] == expired
    assert all(closed for name, (_a, closed) in states.items() if name.endswith("2026-01-01"))
    assert budgets.close_period(bulk_admin, bulk, FY2026) == (0, 0)  # nothing left to close
    db.session.commit()
    assert _picture(bulk, bulk_people)[0] == entries
    assert_ledger_ok()


def test_objects_loaded_before_a_bulk_run_show_the_new_balances(acme, admin, make_user, policy):
    ada = make_user(acme, name="Ada")
    policy(100_000)
    budgets.adjust(admin, ada, 1_000, "Opening", key(), FY2026)
    db.session.commit()
    budget = budgets.find_budget(ada, FY2026)
    assert budget.available.balance_minor == 1_000
    budgets.run_allocation(admin, acme, FY2026, MARCH)
    assert budget.available.balance_minor == 101_000  # no refresh needed
    assert budget.policy_allocated_minor == 100_000
    assert not db.session.dirty
    db.session.commit()
    assert_ledger_ok()


def _accounts(company: Company, *people: User) -> list[int]:
    grants = ledger.company_account(company.id, AccountKind.GRANTS, company.currency)
    return [grants.id] + [budgets.budget_for(p, FY2026).available_account_id for p in people]


def _posting(company: Company, k: str, legs, kind: str = TxKind.ADJUSTMENT.value):
    return ledger.Posting(company.id, kind, k, legs, reference="bulk-test", reason="test")


def test_post_bulk_replays_a_key_and_refuses_a_key_reused_for_something_else(acme, admin,
                                                                             make_user,
                                                                             fingerprint):
    ada, bob = make_user(acme), make_user(acme)
    grants, a, b = _accounts(acme, ada, bob)
    first = ledger.post_bulk(admin, [_posting(acme, "x1", ledger.transfer(grants, a, 500)),
                                     _posting(acme, "x2", ledger.transfer(grants, b, 700))])
    db.session.commit()
    assert first.written == 2
    before = fingerprint()
    again = ledger.post_bulk(admin, [_posting(acme, "x1", ledger.transfer(grants, a, 500)),
                                     _posting(acme, "x2", ledger.transfer(grants, b, 700))])
    assert (again.transaction_ids, again.written, again.replayed) == (
        first.transaction_ids, 0, 2)
    db.session.commit()
    assert fingerprint() == before
    with pytest.raises(IdempotencyConflict, match="different operation"):
        ledger.post_bulk(admin, [_posting(acme, "x3", ledger.transfer(grants, a, 1)),
                                 _posting(acme, "x1", ledger.transfer(grants, a, 500),
                                          kind=TxKind.ALLOCATION.value)])
    db.session.rollback()
    with pytest.raises(IdempotencyConflict, match="same idempotency key"):
        ledger.post_bulk(admin, [_posting(acme, "x4", ledger.transfer(grants, a, 1)),
                                 _posting(acme, "x4", ledger.transfer(grants, b, 1))])
    db.session.rollback()
    assert fingerprint() == before
    assert_ledger_ok()


def test_post_bulk_refuses_unbalanced_legs_and_foreign_accounts(acme, admin, make_company,
                                                               make_user, fingerprint):
    ada = make_user(acme)
    other = make_company("Other", "other")
    stranger = make_user(other)
    grants, a = _accounts(acme, ada)
    (_g, foreign) = _accounts(other, stranger)
    db.session.commit()
    before = fingerprint()
    with pytest.raises(ledger.UnbalancedTransaction, match="do not balance"):
        ledger.post_bulk(admin, [_posting(acme, "u1", [(grants, -5), (a, 4)])])
    with pytest.raises(ledger.UnbalancedTransaction, match="another company"):
        ledger.post_bulk(admin, [_posting(acme, "u2", ledger.transfer(grants, foreign, 5))])
    db.session.rollback()
    assert fingerprint() == before
