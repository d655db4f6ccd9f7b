"""Capabilities: scales, frameworks and their import, roles and career moves, evidence and
levels, ratings, gaps and their charts. The lowest room: every other room reads it. The room's
wiring: pages, API, CLI, navigation, stylesheet, home card, demo seeder, and the gap sections
of My capabilities that higher rooms fill (`gaps.add_gap_section`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    from . import api, cli, demo, models  # noqa: F401  (models: tables for create_all/Alembic)
    from .views import bp as capabilities_bp
    from .views_frameworks import bp as frameworks_bp
    from .views_roles import bp as roles_bp

    for bp in (frameworks_bp, roles_bp, capabilities_bp):
        app.register_blueprint(bp)
    api.init_app(app)
    cli.init_app(app)
    add_nav(app, NavItem("My capabilities", "capabilities.mine", (), order=10))
    add_nav(app, NavItem("My team", "capabilities.team", ("manager",), order=12))
    add_nav(app, NavItem("Coverage", "capabilities.coverage", ("admin", "executive"), order=30))
    add_nav(app, NavItem("Frameworks", "frameworks.index", ("admin",), order=3, section="admin"))
    add_nav(app, NavItem("Roles", "roles.index", ("admin",), order=4, section="admin"))
    add_stylesheet(app, "css/pathways.css")
    add_home_card(app, "pathways/capabilities/_card_capabilities.html", ("employee", "manager"),
                  order=20)
    add_seeder(app, demo.seed, order=30)
    app.jinja_env.globals["gap_sections"] = lambda: app.extensions.get(
        "trellis_gap_sections", [])
