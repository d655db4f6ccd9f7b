"""The learning side: capability frameworks, roles, levels and gaps, catalogue, pathways."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the package's blueprints, API, CLI, navigation, home cards and demo seeder."""
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    from . import api, catalogue_models, cli, demo, models  # noqa: F401  (tables)
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
    add_nav(app, NavItem("Frameworks", "frameworks.index", ("admin",), order=31))
    add_nav(app, NavItem("Roles", "roles.index", ("admin",), order=32))
    add_stylesheet(app, "css/pathways.css")
    add_home_card(app, "pathways/_card_capabilities.html", ("employee", "manager"), order=20)
    add_seeder(app, demo.seed, order=30)
