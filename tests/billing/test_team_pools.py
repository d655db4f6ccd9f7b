"""Team pools as accounting stories: an admin funds a team's pool from the company's allowance,
the team's manager grants from it to their reports, never more than it holds, and what is left
expires at the year end. Every story ends with the ledger's invariants."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.errors import PermissionDenied
from app.extensions import db
from app.models import User
from billing import budgets, pools, verify
from billing.errors import BudgetError, InsufficientBudget
from billing.models import LedgerAccount, TeamPool
from billing.policies import PolicyData, save_policy
from billing.queries import person_balances, pool_rows

from .conftest import FY2026, assert_ledger_ok, key


def _pool(team):
    return pool_rows(team.company_id, FY2026, [team.id])[0]


def test_a_manager_grants_from_the_funded_pool_and_never_more_than_it_holds(admin, eng):
    team, mo, ada, bo, _cy = eng
    pools.fund(admin, team, 50_000, "Conference season", key(), FY2026)
    pools.grant(mo, team, ada, 20_000, "KubeCon ticket", key(), FY2026)
    pools.grant(mo, team, bo, 30_000, "Rust course", key(), FY2026)
    db.session.commit()
    with pytest.raises(InsufficientBudget) as refused:
        pools.grant(mo, team, ada, 1, "One more", key(), FY2026)
    assert refused.value.field == "amount_minor"
    assert "pool holds only €0.00" in refused.value.message
    db.session.rollback()
    pool = _pool(team)
    assert (pool.funded_minor, pool.granted_minor, pool.left_minor) == (50_000, 50_000, 0)
    assert person_balances(ada, FY2026).available_minor == 20_000
    assert person_balances(bo, FY2026).allocated_minor == 30_000
    assert_ledger_ok()


def test_a_grant_larger_than_the_pool_is_refused_and_moves_nothing(admin, eng):
    team, mo, ada, _bo, _cy = eng
    pools.fund(admin, team, 10_000, "Books", key(), FY2026)
    db.session.commit()
    with pytest.raises(InsufficientBudget, match="holds only €100.00; grant at most that"):
        pools.grant(mo, team, ada, 10_001, "Too much", key(), FY2026)
    db.session.rollback()
    assert _pool(team).left_minor == 10_000
    assert person_balances(ada, FY2026).allocated_minor == 0
    assert_ledger_ok()


def test_a_manager_grants_only_to_their_own_reports_in_the_team(admin, eng, acme, make_team,
                                                                make_user):
    team, mo, ada, _bo, cy = eng
    ops = make_team(acme, "Ops")
    dee = make_user(acme, name="Dee", team=ops, manager=mo)
    pools.fund(admin, team, 10_000, "Books", key(), FY2026)
    db.session.commit()
    for person, message in ((cy, "Cy is not one of your reports in Engineering"),
                            (dee, "Dee is not one of your reports in Engineering"),
                            (mo, "You cannot grant to your own budget")):
        with pytest.raises(PermissionDenied, match=message) as refused:
            pools.grant(mo, team, person, 1_000, "Try", key(), FY2026)
        assert refused.value.field == "employee_id"
        db.session.rollback()
    assert not pools.can_manage(mo, make_team(acme, "Sales"))
    assert pools.can_manage(mo, ops) and pools.can_manage(admin, team)
    pools.grant(admin, team, cy, 1_000, "Admins grant to any member", key(), FY2026)
    db.session.commit()
    assert _pool(team).left_minor == 9_000
    assert_ledger_ok()


def test_pools_are_off_until_a_policy_switches_them_on_and_the_nearest_team_policy_decides(
        acme, admin, make_team):
    parent = make_team(acme, "Product")
    child = make_team(acme, "Design", parent=parent)
    with pytest.raises(BudgetError, match="Team pools are off for Design") as refused:
        pools.fund(admin, child, 1_000, "Try", key(), FY2026)
    assert refused.value.field == "team_id"
    db.session.rollback()
    save_policy(admin, PolicyData("team", 0, team_id=parent.id, team_pools=True))
    pools.fund(admin, child, 1_000, "Sub-teams inherit the switch", key(), FY2026)
    save_policy(admin, PolicyData("team", 0, team_id=child.id, team_pools=False))
    with pytest.raises(BudgetError, match="Team pools are off for Design"):
        pools.fund(admin, child, 1_000, "The nearer policy says no", key(), FY2026)
    db.session.rollback()
    role = save_policy(admin, PolicyData("role", 0, job_title="Designer", team_pools=True))
    assert role.team_pools is False  # pools belong to teams, not roles
    assert_ledger_ok()


def test_taking_back_returns_at_most_what_the_pool_still_holds(admin, eng):
    team, mo, ada, _bo, _cy = eng
    pools.fund(admin, team, 10_000, "Books", key(), FY2026)
    pools.grant(mo, team, ada, 6_000, "Course", key(), FY2026)
    db.session.commit()
    with pytest.raises(InsufficientBudget, match="take back at most €40.00"):
        pools.fund(admin, team, -4_001, "Too much", key(), FY2026)
    db.session.rollback()
    pools.fund(admin, team, -4_000, "Budget cut", key(), FY2026)
    db.session.commit()
    pool = _pool(team)
    assert (pool.funded_minor, pool.granted_minor, pool.left_minor) == (6_000, 6_000, 0)
    assert_ledger_ok()


def test_a_repeated_key_grants_once_and_a_key_reused_for_another_person_is_refused(admin, eng):
    team, mo, ada, bo, _cy = eng
    pools.fund(admin, team, 10_000, "Books", key(), FY2026)
    first = pools.grant(mo, team, ada, 3_000, "Course", "grant-1", FY2026)
    again = pools.grant(mo, team, ada, 3_000, "Course", "grant-1", FY2026)
    db.session.commit()
    assert again.id == first.id and _pool(team).left_minor == 7_000
    with pytest.raises(Exception, match="already used for a different operation"):
        pools.grant(mo, team, bo, 3_000, "Course", "grant-1", FY2026)
    db.session.rollback()
    assert_ledger_ok()


def test_the_year_end_expires_what_is_left_in_a_pool_and_the_closed_pool_refuses_grants(
        acme, admin, eng, make_team):
    team, mo, ada, _bo, _cy = eng
    pools.fund(admin, team, 10_000, "Books", key(), FY2026)
    pools.grant(mo, team, ada, 4_000, "Course", key(), FY2026)
    db.session.commit()
    rolled, expired = budgets.close_period(admin, acme, FY2026)
    db.session.commit()
    assert (rolled, expired) == (0, 4_000 + 6_000)  # Ada's unspent grant and the pool's rest
    pool = _pool(team)
    assert (pool.expired_minor, pool.left_minor, pool.closed_at is not None) == (6_000, 0, True)
    with pytest.raises(BudgetError, match="FY2026 is closed"):
        pools.grant(mo, team, ada, 1, "Late", key(), FY2026)
    db.session.rollback()
    with pytest.raises(BudgetError, match="FY2026 is closed"):  # no new pool in a closed year
        pools.fund(admin, make_team(acme, "Late team"), 1_000, "Late", key(), FY2026)
    db.session.rollback()
    assert budgets.close_period(admin, acme, FY2026) == (0, 0)  # a rerun moves nothing
    db.session.commit()
    assert_ledger_ok()


def test_verify_reports_a_negative_pool_and_a_closed_pool_that_still_holds_money(admin, eng):
    team, _mo, _ada, _bo, _cy = eng
    pools.fund(admin, team, 10_000, "Books", key(), FY2026)
    db.session.commit()
    pool = db.session.scalar(select(TeamPool))
    db.session.execute(update(LedgerAccount).where(LedgerAccount.id == pool.account_id)
                       .values(balance_minor=-5))
    db.session.execute(update(TeamPool).values(closed_at=db.func.now()))
    checks = {c.name: c for c in verify.run_checks(team.company_id)}
    assert not checks["no_negative_balances"].ok
    assert f"team_pool:{team.id}:2026-01-01 is -5" in checks["no_negative_balances"].detail
    assert not checks["closed_pools_empty"].ok
    assert "still holds -5" in checks["closed_pools_empty"].detail
    db.session.rollback()
    assert db.session.scalar(select(User.id).where(User.name == "Ada")) is not None
