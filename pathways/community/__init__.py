"""The learning network: communities of practice, posts and questions with accepted answers,
events, and the ideas board. Reads the rooms below it (capabilities, catalogue, learning,
mentoring); nothing imports it. Called from `pathways.init_app`, after them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.web import NavItem, add_nav, add_stylesheet

    # views_posts and views_events add routes to the community blueprint before it is registered.
    from . import api, demo, models, views, views_events, views_ideas, views_posts  # noqa: F401
    from .text import render

    app.register_blueprint(views.bp)
    app.register_blueprint(views_events.bp)
    app.register_blueprint(views_ideas.bp)
    api.init_app(app)
    add_nav(app, NavItem("Communities", "community.index", (), order=16))
    add_nav(app, NavItem("Ideas", "ideas.index", (), order=17))
    add_nav(app, NavItem("Community settings", "community.settings", ("admin",), order=9,
                         section="admin"))
    add_stylesheet(app, "css/community.css")
    app.jinja_env.filters["markdown"] = render
    add_seeder(app, demo.seed, order=75)
