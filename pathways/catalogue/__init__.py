"""The catalogue: providers, offerings and the capabilities each develops, search, reviews,
completions recorded as evidence, offering import. The room's wiring: pages, API, navigation,
stylesheet, demo seeder, and the offering page's hooks that higher rooms fill
(`offerings.add_offering_action`, `offerings.add_develops_note`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.web import NavItem, add_nav, add_stylesheet

    from . import api, cli, demo, models, views  # noqa: F401  (models: tables)

    app.register_blueprint(views.bp)
    api.init_app(app)
    cli.init_app(app)
    add_nav(app, NavItem("Catalogue", "catalogue.browse", (), order=14))
    add_nav(app, NavItem("Offerings", "catalogue.admin_index", ("admin",), order=5, section="admin"))
    add_stylesheet(app, "css/catalogue.css")
    add_seeder(app, demo.seed, order=60)
    app.jinja_env.globals["offering_actions"] = lambda: app.extensions.get(
        "trellis_offering_actions", [])
    app.jinja_env.globals["develops_notes"] = lambda: app.extensions.get(
        "trellis_develops_notes", [])
