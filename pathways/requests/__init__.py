"""Learning requests: an employee asks for an offering or a paid mentor session, the price is
held on their budget, the approval chain decides, an admin buys it, completing it records
evidence. The room's wiring: models, pages, API, navigation, home card, demo."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav
    from pathways.catalogue import offerings
    from pathways.mentoring import bookings

    from . import api, demo, links, models, views, views_overview  # noqa: F401  (models: tables)

    app.register_blueprint(views.bp)
    app.register_blueprint(views_overview.bp)
    app.register_blueprint(api.bp)
    app.jinja_env.globals["requests_inbox_count"] = views.inbox_count
    app.jinja_env.globals["request_open_for"] = views.open_for
    links.connect()
    offerings.add_offering_action(app, "pathways/requests/_request_button.html")
    bookings.add_booking_fact(app, "pathways/requests/_booking_request.html")
    add_nav(app, NavItem("My requests", "requests.mine", (), order=13))
    add_nav(app, NavItem("Approvals", "requests.inbox", ("manager", "admin"), order=15))
    add_nav(app, NavItem("All requests", "request_overview.index", ("executive", "admin"),
                         order=16))
    add_nav(app, NavItem("Approval policy", "requests.policy", ("admin",), order=8, section="admin"))
    add_home_card(app, "pathways/requests/_inbox_card.html", ("manager", "admin"), order=12)
    add_seeder(app, demo.seed, order=70)
    from .expected_holds import register as register_expected_holds

    register_expected_holds(app)  # ledger verify: every open request has exactly its hold
