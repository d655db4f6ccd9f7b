"""Wiring of the learning-request flow (models, pages, API, navigation, home card, demo)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api.openapi import add_schema, page_of
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav

    from . import (  # noqa: F401  (request_models: tables)
        api_requests,
        catalogue,
        request_demo,
        request_links,
        request_models,
        views_request_overview,
        views_requests,
    )

    app.register_blueprint(views_requests.bp)
    app.register_blueprint(views_request_overview.bp)
    app.register_blueprint(api_requests.bp)
    for name, schema in api_requests.SCHEMAS.items():
        add_schema(app, name, schema)
    add_schema(app, "LearningRequestPage", page_of("LearningRequest"))
    app.jinja_env.globals["requests_inbox_count"] = views_requests.inbox_count
    app.jinja_env.globals["request_open_for"] = views_requests.open_for
    request_links.connect()
    catalogue.add_offering_action(app, "requests/_request_button.html")
    add_nav(app, NavItem("My requests", "requests.mine", (), order=13))
    add_nav(app, NavItem("Approvals", "requests.inbox", ("manager", "admin"), order=15))
    add_nav(app, NavItem("All requests", "request_overview.index", ("executive", "admin"),
                         order=16))
    add_nav(app, NavItem("Approval policy", "requests.policy", ("admin",), order=8, section="admin"))
    add_home_card(app, "requests/_inbox_card.html", ("manager", "admin"), order=12)
    add_seeder(app, request_demo.seed, order=70)
