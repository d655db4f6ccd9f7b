"""The learning side: capability frameworks, roles, levels and gaps, catalogue, pathways."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the package's blueprints, API, CLI, navigation, home cards and demo seeder."""
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    # models, catalogue_models: tables for create_all/Alembic
    from . import (  # noqa: F401
        api,
        api_catalogue,
        catalogue_models,
        cli,
        demo,
        demo_catalogue,
        mentoring,
        models,
        requests,
    )
    from .views_capabilities import bp as capabilities_bp
    from .views_catalogue import bp as catalogue_bp
    from .views_frameworks import bp as frameworks_bp
    from .views_learning import bp as learning_bp
    from .views_roles import bp as roles_bp
    from .views_team_learning import bp as team_learning_bp

    for bp in (frameworks_bp, roles_bp, capabilities_bp, catalogue_bp, learning_bp,
               team_learning_bp):
        app.register_blueprint(bp)
    api.init_app(app)
    api_catalogue.init_app(app)
    cli.init_app(app)
    add_nav(app, NavItem("My capabilities", "capabilities.mine", (), order=10))
    add_nav(app, NavItem("My learning", "learning.mine", (), order=11))
    add_nav(app, NavItem("My team", "capabilities.team", ("manager",), order=12))
    add_nav(app, NavItem("Team pathways", "team_learning.index", ("manager",), order=13))
    add_nav(app, NavItem("Catalogue", "catalogue.browse", (), order=14))
    add_nav(app, NavItem("Coverage", "capabilities.coverage", ("admin", "executive"), order=30))
    add_nav(app, NavItem("Frameworks", "frameworks.index", ("admin",), order=3, section="admin"))
    add_nav(app, NavItem("Roles", "roles.index", ("admin",), order=4, section="admin"))
    add_nav(app, NavItem("Offerings", "catalogue.admin_index", ("admin",), order=5, section="admin"))
    add_nav(app, NavItem("Pathways", "learning.admin_index", ("admin",), order=6, section="admin"))
    add_stylesheet(app, "css/pathways.css")
    add_stylesheet(app, "css/catalogue.css")
    add_home_card(app, "pathways/_card_capabilities.html", ("employee", "manager"), order=20)
    add_home_card(app, "pathways/learning/_card_learning.html", ("employee", "manager"),
                  order=21)
    add_seeder(app, demo.seed, order=30)
    add_seeder(app, demo_catalogue.seed, order=60)
    mentoring.init_app(app)
    requests.init_app(app)
    app.jinja_env.globals["recommendations_for"] = _recommendations_for
    app.jinja_env.globals["offering_actions"] = lambda: app.extensions.get(
        "trellis_offering_actions", [])


def _recommendations_for(user, limit: int = 5):  # type: ignore[no-untyped-def]
    """For the capabilities page: the top few suggestions for the person's current role."""
    from .recommend import recommend

    # Mentors have their own "Find a mentor" link next to each gap on that page.
    return recommend(user, limit=limit, kinds=("offering", "pathway"))
