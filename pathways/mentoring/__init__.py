"""Mentoring: internal mentors and external coaches, their availability, finding a mentor for a
gap, bookings and sessions. The room's wiring: blueprints, API, navigation, stylesheet, home
card, filter, demo seeder and its hooks into the lower rooms. Called from `pathways.init_app`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def next_sessions(limit: int = 3) -> dict[str, Any]:
    """For the home card: the signed-in person's next sessions and their time zone."""
    from flask_login import current_user

    from app.extensions import db

    from .bookings import bookings_query
    from .calendar import viewer_zone

    rows = db.session.scalars(bookings_query(current_user, upcoming=True).limit(limit)).all()
    return {"sessions": rows, "tz": viewer_zone(current_user)}


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.signals import person_left
    from app.web import NavItem, add_nav, add_stylesheet
    from pathways.learning.enrolments import add_step_sessions
    from pathways.learning.recommend import add_candidate_source

    # models: tables; views_coach_import: its routes join the mentors blueprint before it is
    # registered
    from . import (  # noqa: F401
        api,
        bookings,
        cli,
        demo,
        models,
        views,
        views_coach_import,
        views_mentors,
    )
    from .mentors import local_time
    from .recommend import mentor_candidates
    from .sessions import bookings_by_step, check_step, on_session_held

    app.register_blueprint(views.bp)
    app.register_blueprint(views_mentors.bp)
    api.init_app(app)
    cli.init_app(app)
    add_nav(app, NavItem("Mentoring", "mentoring.index", (), order=14))
    add_nav(app, NavItem("Mentors & coaches", "mentors.coaches", ("admin",), order=7, section="admin"))
    add_stylesheet(app, "css/mentoring.css")
    add_home_card(app, "pathways/mentoring/_card_mentoring.html", ("employee", "manager"), order=22)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["mentoring_next_sessions"] = next_sessions
    app.jinja_env.globals["booking_facts"] = lambda: app.extensions.get(
        "trellis_booking_facts", [])
    add_seeder(app, demo.seed, order=65)
    person_left.connect(bookings.on_person_left)
    bookings.session_held.connect(on_session_held)
    add_candidate_source(app, mentor_candidates)
    add_step_sessions(app, bookings_by_step, check_step)
