"""Single sign-on per company over OpenID Connect (Authlib)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (the table, for create_all and Alembic)
    from .cli import configure_sso
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(configure_sso)
