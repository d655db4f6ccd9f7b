"""The Stripe room: the gateway (the only module that imports `stripe`), billing details and
top-ups, seat subscriptions, webhooks (stored, verified, processed once), their pages, API and
CLI. It calls the money engine (ledger, wallet, holds) and registers what the engine must know:
refunds Stripe has not confirmed yet are reserved wallet money (`wallet.add_reservation`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.web import NavItem, add_banner, add_nav

    from .. import wallet
    from . import api, cli, models, seats, topups, views  # noqa: F401  (models: tables)

    views.init_app(app)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    add_nav(app, NavItem("Billing", "billing_stripe.billing_page", ("admin",), order=11,
                         section="admin"))
    add_banner(app, "billing/stripe/_subscription_banner.html")
    seats.connect()
    wallet.add_reservation(app, topups.pending_refunds_minor)
