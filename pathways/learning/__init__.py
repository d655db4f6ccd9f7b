"""Learning: pathways (building, publishing, archiving), enrolments and team assignment,
completing steps into evidence, recommendations and career moves. The room's wiring: pages,
API, navigation, home card, the recommendations on "My capabilities", demo seeder."""

from __future__ import annotations

from typing import Any

from flask import Flask


def recommendations_for(user: Any, limit: int = 5) -> Any:
    """For the capabilities page: the top few suggestions for the person's current role."""
    from .recommend import recommend

    # Mentors have their own "Find a mentor" link next to each gap on that page.
    return recommend(user, limit=limit, kinds=("offering", "pathway"))


def init_app(app: Flask) -> None:
    from app.demo import add_seeder
    from app.home import add_home_card
    from app.web import NavItem, add_nav
    from pathways.capabilities.gaps import add_gap_section
    from pathways.catalogue.offerings import add_develops_note

    # models: tables; views_builder: its routes join the learning blueprint before it is
    # registered
    from . import api, demo, enrolments, models, views, views_builder, views_team  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(views_team.bp)
    api.init_app(app)
    add_nav(app, NavItem("My learning", "learning.mine", (), order=11))
    add_nav(app, NavItem("Team pathways", "team_learning.index", ("manager",), order=13))
    add_nav(app, NavItem("Pathways", "learning.admin_index", ("admin",), order=6, section="admin"))
    add_home_card(app, "pathways/learning/_card_learning.html", ("employee", "manager"),
                  order=21)
    app.jinja_env.globals["recommendations_for"] = recommendations_for
    add_gap_section(app, "pathways/learning/_me_recommendations.html")
    app.jinja_env.globals["pathways_with_offering"] = enrolments.pathways_with_offering
    add_develops_note(app, "pathways/learning/_offering_pathways.html")
    add_seeder(app, demo.seed, order=61)
