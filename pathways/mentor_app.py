"""Wiring of the mentoring feature: blueprints, API, navigation, stylesheet, home card, filter,
demo seeder. Called from `pathways.init_app`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav, add_stylesheet

    from . import mentor_api, mentor_demo, mentor_models  # noqa: F401  (tables for Alembic)
    from .mentors import local_time
    from .views_mentoring import bp as mentoring_bp
    from .views_mentors import bp as mentors_bp

    app.register_blueprint(mentoring_bp)
    app.register_blueprint(mentors_bp)
    mentor_api.init_app(app)
    add_nav(app, NavItem("Mentoring", "mentoring.index", (), order=14))
    add_nav(app, NavItem("Mentors & coaches", "mentors.coaches", ("admin",), order=33))
    add_stylesheet(app, "css/mentoring.css")
    add_home_card(app, "pathways/_card_mentoring.html", ("employee", "manager"), order=22)
    app.jinja_env.filters["local_time"] = local_time
    add_seeder(app, mentor_demo.seed, order=65)
