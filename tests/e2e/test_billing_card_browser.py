"""In a real browser: an admin saves the company card through Stripe.js, as in production.

Stripe.js itself cannot be loaded offline, so the page loads localstripe's stand-in
(`/js.stripe.com/v3/` served by the localstripe fixture, set with STRIPE_JS_URL): the same
calls (`Stripe(key).elements().create("card")`, `confirmCardSetup`) against the same
SetupIntent API. CSRF is on, as in production, because the page's script sends the token.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from billing.stripe import topups
from tests.billing.stripe.conftest import localstripe, no_real_stripe  # noqa: F401 (fixtures)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.mark.browser
def test_admin_saves_a_card_with_stripe_js_and_the_card_number_never_reaches_trellis(
        app, localstripe, live_server, make_company, make_user, page, login):  # noqa: F811
    app.config.update(STRIPE_SECRET_KEY="sk_test_trellis", STRIPE_API_BASE=localstripe,
                      STRIPE_PUBLISHABLE_KEY="pk_test_trellis",
                      STRIPE_JS_URL=localstripe + "/js.stripe.com/v3/")
    company = make_company(name="Acme", slug="acme")
    admin = make_user(company, email="hr@acme.test", roles=("admin", "employee"))
    topups.save_profile(admin, company, topups.ProfileData(
        legal_name="Acme Robotics SAS", billing_email="billing@acme.test"))
    db.session.commit()
    company_id = company.id
    db.session.remove()  # SQLite: no transaction of the test may hold the write lock
    posted: list[tuple[str, str]] = []
    page.on("request", lambda r: posted.append((r.url, r.post_data or ""))
            if r.method == "POST" else None)

    login(page, "hr@acme.test")
    page.goto("/billing")
    card = page.locator("#billing-card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("69001")
    page.get_by_role("button", name="Save the card").click()
    page.wait_for_url("**/billing")
    page.get_by_text("Saved card:").wait_for()

    assert "4242" in page.locator("main").inner_text()
    profile = topups.profile_of(company_id)
    assert profile.payment_method_id.startswith("pm_")
    # The card number went from the browser to Stripe; Trellis only received the pm_… id.
    number = "4242424242424242"
    assert any(url.startswith(localstripe) and number in data for url, data in posted)
    to_trellis = [data for url, data in posted if url.startswith(live_server.url)]
    assert any(profile.payment_method_id in data for data in to_trellis)
    assert not any(number in data for data in to_trellis)
