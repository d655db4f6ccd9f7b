"""Wiring of the mentoring feature: blueprints, API, navigation, stylesheet, home card, filter,
demo seeder. Called from `pathways.init_app`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def next_sessions(limit: int = 3) -> dict[str, Any]:
    """For the home card: the signed-in person's next sessions and their time zone."""
    from flask_login import current_user

    from app.extensions import db

    from .mentor_bookings import bookings_query
    from .mentor_calendar import viewer_zone

    rows = db.session.scalars(bookings_query(current_user, upcoming=True).limit(limit)).all()
    return {"sessions": rows, "tz": viewer_zone(current_user)}


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.signals import person_left
    from app.web import NavItem, add_nav, add_stylesheet

    # views_coach_import: its routes join the mentors blueprint before it is registered
    from . import (  # noqa: F401
        mentor_api,
        mentor_bookings,
        mentor_demo,
        mentor_models,
        views_coach_import,
    )
    from .mentors import local_time
    from .views_mentoring import bp as mentoring_bp
    from .views_mentors import bp as mentors_bp

    app.register_blueprint(mentoring_bp)
    app.register_blueprint(mentors_bp)
    mentor_api.init_app(app)
    add_nav(app, NavItem("Mentoring", "mentoring.index", (), order=14))
    add_nav(app, NavItem("Mentors & coaches", "mentors.coaches", ("admin",), order=7, section="admin"))
    add_stylesheet(app, "css/mentoring.css")
    add_home_card(app, "pathways/_card_mentoring.html", ("employee", "manager"), order=22)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["mentoring_next_sessions"] = next_sessions
    add_seeder(app, mentor_demo.seed, order=65)
    person_left.connect(mentor_bookings.on_person_left)
    from .pathway_sessions import on_session_held

    mentor_bookings.session_held.connect(on_session_held)
    from .mentor_recommend import mentor_candidates
    from .recommend import add_candidate_source

    add_candidate_source(app, mentor_candidates)
