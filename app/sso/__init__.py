"""Single sign-on per company over OpenID Connect (Authlib)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ..web import NavItem, add_nav
    from . import models  # noqa: F401  (the table, for create_all and Alembic)
    from .admin import bp as admin_bp
    from .cli import configure_sso
    from .service import password_refusal
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(configure_sso)
    app.extensions.setdefault("trellis_password_guards", []).append(password_refusal)
    add_nav(app, NavItem("Single sign-on", "sso_admin.index", ("admin",), order=81, section="admin"))
