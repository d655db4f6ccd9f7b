"""Team pool pages and API: an admin funds a pool, a manager grants from it to a report with a
reason; errors show next to the field with a 4xx and change nothing; repeats move money once."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from billing import pools
from billing.models import BudgetPolicy
from billing.queries import person_balances, pool_rows
from tests.conftest import db_fingerprint

from .conftest import FY2026, assert_ledger_ok, key


def _left(team) -> int:
    return int(pool_rows(team.company_id, FY2026, [team.id])[0].left_minor)


def test_an_admin_switches_pools_on_and_funds_a_team_pool_from_the_form(acme, admin, auth,
                                                                        client, make_team):
    team = make_team(acme, "Engineering")
    auth.login(admin)
    form = {"team_id": str(team.id), "direction": "add", "amount": "500", "reason": "Conferences",
            "key": "fund-1"}
    refused = client.post("/budgets/pools?period=2026", data=form)
    assert refused.status_code == 422
    assert "Team pools are off for Engineering" in refused.get_data(as_text=True)
    assert client.post("/budgets/policies/new", data={
        "scope": "default", "annual_allowance": "1200", "accrual": "upfront",
        "team_pools": "y"}).status_code == 302
    assert db.session.scalar(select(BudgetPolicy.team_pools)) is True
    assert client.post("/budgets/pools?period=2026", data=form).status_code == 302
    assert client.post("/budgets/pools?period=2026", data=form).status_code == 302  # a repeat
    assert _left(team) == 50_000
    overview = client.get("/budgets?period=2026").get_data(as_text=True)
    assert "€500.00 left to grant in 1 team pool" in overview
    assert db.session.scalar(select(AuditEntry.summary).where(
        AuditEntry.action == "team_pool.funded")) == \
        "FY2026 pool of Engineering funded by €500.00: Conferences"
    assert_ledger_ok()


def test_the_fund_form_names_the_field_at_fault_and_changes_nothing(admin, eng, auth, client):
    auth.login(admin)
    before = db_fingerprint()
    no_team = client.post("/budgets/pools?period=2026", data={
        "team_id": "", "direction": "add", "amount": "5", "reason": "x", "key": "f"})
    assert no_team.status_code == 422
    assert "Choose the team whose pool you fund." in no_team.get_data(as_text=True)
    too_much = client.post("/budgets/pools?period=2026", data={
        "team_id": str(eng[0].id), "direction": "deduct", "amount": "5", "reason": "x",
        "key": "g"})
    assert too_much.status_code == 422
    assert "The Engineering pool holds nothing in FY2026." in too_much.get_data(as_text=True)
    assert db_fingerprint() == before


def test_a_manager_grants_from_their_teams_pool_and_sees_an_error_next_to_the_amount(
        admin, eng, auth, client):
    team, mo, ada, _bo, cy = eng
    pools.fund(admin, team, 30_000, "Books", key(), FY2026)
    db.session.commit()
    auth.login(mo)
    listing = client.get("/budgets/pools?period=2026").get_data(as_text=True)
    assert "Engineering" in listing and "Fund a team pool" not in listing
    page = client.get(f"/budgets/pools/{team.id}?period=2026").get_data(as_text=True)
    assert "Ada" in page and "Bo" in page and ">Cy<" not in page  # only Mo's reports
    url = f"/budgets/pools/{team.id}?period=2026"
    before = db_fingerprint()
    too_much = client.post(url, data={"employee_id": str(ada.id), "amount": "300.01",
                                      "reason": "Course", "key": "g1"})
    assert too_much.status_code == 422
    body = too_much.get_data(as_text=True)
    assert "The Engineering pool holds only €300.00; grant at most that" in body
    assert body.index("holds only") > body.index('id="amount"')  # next to the amount field
    not_mine = client.post(url, data={"employee_id": str(cy.id), "amount": "1", "reason": "x",
                                      "key": "g2"})
    assert not_mine.status_code == 422
    assert "Cy is not one of your reports in Engineering." in not_mine.get_data(as_text=True)
    assert db_fingerprint() == before
    ok = client.post(url, data={"employee_id": str(ada.id), "amount": "120", "reason": "Course",
                                "key": "g3"})
    assert ok.status_code == 302
    assert client.post(url, data={"employee_id": str(ada.id), "amount": "120",
                                  "reason": "Course", "key": "g3"}).status_code == 302
    assert person_balances(ada, FY2026).available_minor == 12_000 and _left(team) == 18_000
    history = client.get(url).get_data(as_text=True)
    assert "Engineering pool: Course" in history and "Grant" in history
    assert_ledger_ok()


def test_pools_of_other_teams_are_forbidden_and_employees_have_no_pool_pages(
        acme, admin, eng, auth, client, make_team):
    _team, mo, ada, _bo, _cy = eng
    sales = make_team(acme, "Sales")
    auth.login(mo)
    assert client.get(f"/budgets/pools/{sales.id}").status_code == 403
    assert client.post("/budgets/pools", data={"team_id": str(sales.id), "direction": "add",
                                               "amount": "5", "reason": "x"}).status_code == 403
    auth.logout()
    auth.login(ada)
    assert client.get("/budgets/pools").status_code == 403


def test_the_api_reads_a_pool_and_grants_once_per_idempotency_key(admin, eng, api_as):
    team, mo, ada, bo, _cy = eng
    as_admin, as_mo = api_as(admin), api_as(mo)
    funded = as_admin.post(f"/api/v1/teams/{team.id}/pool/funding",
                           json={"amount_minor": 40_000, "reason": "Books", "period": "2026"})
    assert funded.status_code == 201 and funded.get_json()["pool_available_minor"] == 40_000
    grant = {"employee_id": ada.id, "amount_minor": 15_000, "reason": "Course", "period": "2026"}
    first = as_mo.post(f"/api/v1/teams/{team.id}/pool/grants", json=grant,
                       headers={"Idempotency-Key": "g-1"})
    again = as_mo.post(f"/api/v1/teams/{team.id}/pool/grants", json=grant,
                       headers={"Idempotency-Key": "g-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json() | {"created_at": None} == {
        "id": first.get_json()["id"], "team_id": team.id, "employee_id": ada.id,
        "amount_minor": 15_000, "currency": "EUR", "reason": "Engineering pool: Course",
        "pool_available_minor": 25_000, "created_at": None}
    too_much = as_mo.post(f"/api/v1/teams/{team.id}/pool/grants",
                          json=grant | {"employee_id": bo.id, "amount_minor": 25_001})
    assert too_much.status_code == 422
    assert too_much.get_json()["error"]["field"] == "amount_minor"
    pool = as_mo.get(f"/api/v1/teams/{team.id}/pool?period=2026").get_json()
    assert (pool["funded_minor"], pool["granted_minor"], pool["available_minor"]) == (
        40_000, 15_000, 25_000)
    assert as_mo.post(f"/api/v1/teams/{team.id}/pool/funding",
                      json={"amount_minor": 1, "reason": "x"}).status_code == 403
    assert api_as(ada).get(f"/api/v1/teams/{team.id}/pool").status_code == 403
    spec = as_admin.get("/api/v1/openapi.json").get_json()
    assert {"/teams/{team_id}/pool", "/teams/{team_id}/pool/grants",
            "/teams/{team_id}/pool/funding"} <= {p.removeprefix("/api/v1") for p in spec["paths"]}
    assert_ledger_ok()
