"""People, teams and their import (admin)."""

from flask import Flask

from ..web import NavItem, add_nav


def init_app(app: Flask) -> None:
    from .views import bp, manager_names

    app.register_blueprint(bp)
    app.jinja_env.globals["manager_names"] = manager_names
    add_nav(app, NavItem("People", "people.index", ("admin",), order=1, section="admin"))
    add_nav(app, NavItem("Teams", "people.teams", ("admin",), order=2, section="admin"))
    add_nav(app, NavItem("Audit log", "people.audit_log", ("admin",), order=90, section="admin"))
    add_nav(app, NavItem("Outbox", "people.outbox", ("admin",), order=91, section="admin"))
