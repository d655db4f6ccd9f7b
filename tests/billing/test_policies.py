"""Budget policies: most specific wins, pro-rata, monthly accrual, runs, rollover and expiry."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from billing import budgets, holds
from billing.policies import Period, Resolver, entitlement, parse_period, period_for
from billing.queries import person_balances

from .conftest import FY2026, MARCH, assert_ledger_ok, key

FY2027 = Period(date(2027, 1, 1), date(2027, 12, 31))


def available(user, period=FY2026):
    return person_balances(user, period).available_minor


def test_fiscal_periods_follow_the_company_start_month(make_company):
    july = make_company(fiscal_year_start_month=7)
    p = period_for(july, date(2026, 3, 15))
    assert (p.start, p.end, p.label) == (date(2025, 7, 1), date(2026, 6, 30), "FY2025/26")
    assert parse_period(july, "2026", date(2026, 1, 1)).start == date(2026, 7, 1)
    assert p.days_left(date(2026, 6, 30)) == 1
    assert p.next().start == date(2026, 7, 1)


def test_role_beats_team_beats_parent_team_beats_default(acme, policy, make_team, make_user):
    eng = make_team(acme, "Engineering")
    platform = make_team(acme, "Platform", parent=eng)
    policy(100_000)
    policy(200_000, scope="team", team_id=eng.id)
    policy(300_000, scope="role", job_title="Staff Engineer")
    r = Resolver(acme.id)
    assert r.policy_for(None, None).annual_allowance_minor == 100_000
    assert r.policy_for("Designer", platform.id).annual_allowance_minor == 200_000
    assert r.policy_for(" staff engineer ", platform.id).annual_allowance_minor == 300_000


def test_a_joiner_in_april_gets_nine_twelfths_upfront(acme, admin, policy, make_user):
    policy(120_000)
    grace = make_user(acme, name="Grace", start_date=date(2026, 4, 20))
    budgets.run_allocation(admin, acme, FY2026, date(2026, 3, 1))
    assert available(grace) == 0  # not started yet
    budgets.allocate_person(admin, grace, FY2026, date(2026, 4, 20))
    db.session.commit()
    assert available(grace) == 90_000
    assert_ledger_ok()


def test_monthly_accrual_adds_a_twelfth_per_started_month_and_sums_exactly(acme, admin, policy,
                                                                          make_user):
    p = policy(100_000, accrual="monthly")  # 100000/12 is not whole: rounding must not drift
    alan = make_user(acme, name="Alan", start_date=date(2020, 1, 1))
    assert entitlement(p, alan.start_date, FY2026, date(2026, 3, 31)) == 25_000
    for month in range(1, 13):
        budgets.run_allocation(admin, acme, FY2026, date(2026, month, 5))
        budgets.run_allocation(admin, acme, FY2026, date(2026, month, 6))  # same month: no-op
        db.session.commit()
        assert available(alan) == 100_000 * month // 12
    assert available(alan) == 100_000
    assert_ledger_ok()


def test_an_allocation_run_is_idempotent_per_period_and_per_key(acme, admin, policy, make_user):
    policy(50_000)
    people = [make_user(acme) for _ in range(3)]
    first = budgets.run_allocation(admin, acme, FY2026, MARCH, key="run-1")
    again = budgets.run_allocation(admin, acme, FY2026, MARCH, key="run-1")
    second = budgets.run_allocation(admin, acme, FY2026, MARCH, key="run-2")
    db.session.commit()
    assert again.id == first.id and first.people == 4  # the admin has a budget too
    assert (second.people, second.allocated_minor) == (0, 0)
    assert [available(p) for p in people] == [50_000] * 3
    assert_ledger_ok()


def test_people_who_left_get_no_allocation(acme, admin, policy, make_user):
    policy(50_000)
    gone = make_user(acme, status="left")
    budgets.run_allocation(admin, acme, FY2026, MARCH)
    assert available(gone) == 0


def test_at_year_end_the_rest_rolls_over_up_to_the_cap_and_the_remainder_expires(
        acme, admin, policy, make_user, fund):
    policy(100_000, rollover_cap_minor=25_000)
    fund(100_000)
    linus = make_user(acme, name="Linus")
    budgets.run_allocation(admin, acme, FY2026, MARCH)
    holds.capture(admin, holds.hold(linus, linus, 30_000, "request:1", key(), on=MARCH), key())
    pending = holds.hold(linus, linus, 10_000, "request:2", key(), on=MARCH)
    rolled, expired = budgets.close_period(admin, acme, FY2026)
    db.session.commit()
    # Linus had €600 left: €250 rolls into FY2027, €350 expires; the €100 hold stays open.
    assert available(linus) == 0 and available(linus, FY2027) == 25_000
    assert person_balances(linus, FY2026).held_minor == 10_000
    assert budgets.close_period(admin, acme, FY2026) == (0, 0)  # closing twice moves nothing
    holds.release(admin, pending, key(), "Cancelled after year end")
    db.session.commit()
    assert available(linus) == 0  # released into a closed year: it expires at once
    assert person_balances(linus, FY2026).allocated_minor == 30_000
    # Harriet (the admin) spent nothing: €250 of her €1,000 rolls over, €750 expires.
    assert (rolled, expired) == (25_000 + 25_000, 35_000 + 75_000)
    assert_ledger_ok()
