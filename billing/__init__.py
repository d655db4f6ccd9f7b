"""Money: the ledger, budgets and policies, holds, pools and the wallet (this package's own
modules, the money engine), and `billing.stripe`, the room that moves money in and out through
Stripe (gateway, top-ups, seats, webhooks). The arrow points one way: the stripe room calls the
engine; the engine offers hooks (`wallet.add_reservation`) that the stripe room fills."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register billing's models, blueprints, CLI, navigation, home card and demo seeder, then
    the stripe room's."""
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    # models: their tables for create_all; views_pools: its routes join the billing blueprint
    # before it is registered
    from . import api, cli, demo, hires, models, stripe, views, views_pools  # noqa: F401

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    cli.init_app(app)
    app.jinja_env.globals["billing_budget_card"] = views.budget_card
    add_nav(app, NavItem("Budgets", "billing.index", ("admin",), order=9, section="admin"))
    add_nav(app, NavItem("Team pools", "billing.pools_page", ("manager",), order=13))
    add_nav(app, NavItem("Wallet", "billing.wallet_page", ("admin",), order=10, section="admin"))
    add_home_card(app, "billing/_budget_card.html", ("employee",), order=10)
    add_stylesheet(app, "css/billing.css")
    hires.connect()
    add_seeder(app, demo.seed, order=30)
    stripe.init_app(app)
