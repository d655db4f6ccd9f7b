"""Every billing route that takes an id answers 404 to another company and changes nothing."""

from __future__ import annotations

from billing import policies
from billing.policies import PolicyData
from tests.tenancy import Route, assert_foreign_404


def test_another_companys_ids_are_404_on_pages_and_api(app, make_company, make_user, give,
                                                       auth, client, api_as, admin):
    globex = make_company("Globex", "globex")
    intruder = make_user(globex, roles=("admin", "employee"))
    ada = make_user(admin.company)
    give(ada, 10_000)
    policy = policies.save_policy(admin, PolicyData("default", 50_000))
    from app.extensions import db

    db.session.commit()
    pages = [
        Route("GET", f"/budgets/people/{ada.id}"),
        Route("POST", f"/budgets/people/{ada.id}", form={
            "direction": "deduct", "amount": "1", "reason": "x", "key": "t"}),
        Route("GET", f"/budgets/people/{ada.id}/transactions.csv"),
        Route("GET", f"/budgets/policies/{policy.id}"),
        Route("POST", f"/budgets/policies/{policy.id}", form={
            "scope": "default", "annual_allowance": "1", "accrual": "upfront"}),
        Route("POST", f"/budgets/policies/{policy.id}/delete", form={"key": "t"}),
    ]
    api = [
        Route("GET", f"/api/v1/employees/{ada.id}/budget"),
        Route("GET", f"/api/v1/employees/{ada.id}/transactions"),
        Route("POST", "/api/v1/budgets/adjustments",
              json={"employee_id": ada.id, "amount_minor": -1, "reason": "x"}),
    ]
    auth.login(intruder)
    assert_foreign_404(client, pages)
    assert_foreign_404(api_as(intruder), api)
