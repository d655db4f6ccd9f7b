"""SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2, and its admin page."""

from flask import Flask

from ..web import NavItem, add_nav


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (the tables, for create_all and Alembic)
    from .admin import bp as admin_bp
    from .cli import create_scim_token
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(create_scim_token)
    add_nav(app, NavItem("SCIM", "scim_admin.index", ("admin",), order=80, section="admin"))
