"""The learning side, one room per feature: capability frameworks, roles, levels and gaps;
the catalogue; learning (pathways, enrolments, recommendations); mentoring; learning requests.
Each room wires itself in its own `init_app`, lower rooms first."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rooms' blueprints, API, CLI, navigation, home cards and demo seeders."""
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    # models: tables for create_all/Alembic
    from . import api, catalogue, cli, demo, learning, mentoring, models, requests  # noqa: F401
    from .views_capabilities import bp as capabilities_bp
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
    add_home_card(app, "pathways/_card_capabilities.html", ("employee", "manager"), order=20)
    add_seeder(app, demo.seed, order=30)
    app.jinja_env.globals["gap_sections"] = lambda: app.extensions.get(
        "trellis_gap_sections", [])
    catalogue.init_app(app)
    learning.init_app(app)
    mentoring.init_app(app)
    requests.init_app(app)
