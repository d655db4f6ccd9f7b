"""Every billing route that takes an id answers 404 to another company and changes nothing."""

from __future__ import annotations

from billing import policies
from billing.policies import PolicyData
from tests.tenancy import Route, assert_foreign_404


def test_another_companys_ids_are_404_on_pages_and_api(app, make_company, make_user, give,
                                                       auth, client, api_as, admin, make_team):
    globex = make_company("Globex", "globex")
    intruder = make_user(globex, roles=("admin", "employee"))
    ada = make_user(admin.company)
    give(ada, 10_000)
    policy = policies.save_policy(admin, PolicyData("default", 50_000, team_pools=True))
    from app.extensions import db

    db.session.commit()
    team, own_team = make_team(admin.company, "Engineering"), make_team(globex, "Globex R&D")
    grant = {"employee_id": ada.id, "amount": "1", "reason": "x", "key": "t"}
    api_grant = {"employee_id": ada.id, "amount_minor": 1, "reason": "x"}
    pages = [
        Route("GET", f"/budgets/people/{ada.id}"),
        Route("POST", f"/budgets/people/{ada.id}", form={
            "direction": "deduct", "amount": "1", "reason": "x", "key": "t"}),
        Route("GET", f"/budgets/people/{ada.id}/transactions.csv"),
        Route("GET", f"/budgets/policies/{policy.id}"),
        Route("POST", f"/budgets/policies/{policy.id}", form={
            "scope": "default", "annual_allowance": "1", "accrual": "upfront"}),
        Route("POST", f"/budgets/policies/{policy.id}/delete", form={"key": "t"}),
        Route("GET", f"/budgets/pools/{team.id}"),
        Route("POST", f"/budgets/pools/{team.id}", form=grant),
        Route("POST", f"/budgets/pools/{own_team.id}", form=grant),  # a foreign person
        Route("POST", "/budgets/pools", form={"team_id": str(team.id), "direction": "add",
                                              "amount": "1", "reason": "x", "key": "t"}),
    ]
    api = [
        Route("GET", f"/api/v1/employees/{ada.id}/budget"),
        Route("GET", f"/api/v1/employees/{ada.id}/transactions"),
        Route("POST", "/api/v1/budgets/adjustments",
              json={"employee_id": ada.id, "amount_minor": -1, "reason": "x"}),
        Route("GET", f"/api/v1/teams/{team.id}/pool"),
        Route("POST", f"/api/v1/teams/{team.id}/pool/grants", json=api_grant),
        Route("POST", f"/api/v1/teams/{own_team.id}/pool/grants", json=api_grant),
        Route("POST", f"/api/v1/teams/{team.id}/pool/funding",
              json={"amount_minor": 1, "reason": "x"}),
    ]
    auth.login(intruder)
    assert_foreign_404(client, pages)
    assert_foreign_404(api_as(intruder), api)
