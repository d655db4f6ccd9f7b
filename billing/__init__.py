"""Money: the ledger, budgets and policies, holds, Stripe gateway and webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register billing's models, blueprints, CLI, navigation, home card, banner and demo seeder."""
    from app.api.openapi import add_schema, page_of
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_banner, add_nav, add_stylesheet

    # models, stripe_models: their tables for create_all
    from . import (  # noqa: F401
        api,
        cli,
        demo,
        hires,
        models,
        pool_views,
        seats,
        stripe_api,
        stripe_cli,
        stripe_models,
        stripe_views,
        views,
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    stripe_views.init_app(app)
    app.register_blueprint(stripe_api.bp)
    for name, schema in (api.SCHEMAS | stripe_api.SCHEMAS).items():
        add_schema(app, name, schema)
    add_schema(app, "PersonTransactionPage", page_of("PersonTransaction"))
    cli.init_app(app)
    stripe_cli.init_app(app)
    app.jinja_env.globals["billing_budget_card"] = views.budget_card
    add_nav(app, NavItem("Budgets", "billing.index", ("admin",), order=9, section="admin"))
    add_nav(app, NavItem("Team pools", "billing.pools_page", ("manager",), order=13))
    add_nav(app, NavItem("Wallet", "billing.wallet_page", ("admin",), order=10, section="admin"))
    add_nav(app, NavItem("Billing", "billing_stripe.billing_page", ("admin",), order=11, section="admin"))
    add_home_card(app, "billing/_budget_card.html", ("employee",), order=10)
    add_banner(app, "billing/_subscription_banner.html")
    add_stylesheet(app, "css/billing.css")
    hires.connect()
    seats.connect()
    add_seeder(app, demo.seed, order=30)
