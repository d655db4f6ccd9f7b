"""Every new id-taking Stripe billing route answers 404 to another company, changing nothing."""

from __future__ import annotations

from tests.tenancy import Route, assert_foreign_404

from .conftest import billing_ready, topup_status, wait_until


def test_stripe_routes_are_404_to_another_company(admin, api_as, make_company, make_user,
                                                   auth, client, stripe_on, webhooks_to_app):
    api = api_as(admin)
    billing_ready(admin, api)
    topup = api.post("/api/v1/billing/topups", json={"amount_minor": 5_000}).get_json()
    wait_until(lambda: topup_status(topup["id"]) == "succeeded", "the top-up")
    intruder = make_user(make_company("Globex", "globex"), roles=("admin",))
    tid = topup["id"]
    auth.login(intruder)
    assert_foreign_404(client, [Route("GET", f"/billing/topups/{tid}"),
                                Route("POST", f"/billing/topups/{tid}/refund",
                                      form={"amount": "1", "key": "t"})])
    assert_foreign_404(api_as(intruder), [
        Route("GET", f"/api/v1/billing/topups/{tid}"),
        Route("POST", f"/api/v1/billing/topups/{tid}/refund", json={"amount_minor": 1})])
