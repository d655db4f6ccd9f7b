"""Report datasets, SVG charts, PDF rendering, CSV exports and scheduled delivery."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the report pages, API, CLI, navigation, home card and background tasks."""
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    from . import api, cli, models, runs  # noqa: F401  (models: tables; runs: huey tasks)
    from .views import bp

    app.register_blueprint(bp)
    api.init_app(app)
    cli.init_app(app)
    add_nav(app, NavItem("Reports", "reports.dashboard", ("admin", "executive", "manager"),
                         order=29))
    add_stylesheet(app, "css/reports.css")
    add_home_card(app, "reports/_home_card.html", ("admin", "executive", "manager"), order=8)
