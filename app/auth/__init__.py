"""Sign-in and account pages."""

from flask import Flask

from ..web import NavItem, add_nav


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
    add_nav(app, NavItem("API tokens", "auth.tokens", (), order=10, section="account"))
    add_nav(app, NavItem("Password", "auth.change_password", (), order=20, section="account"))
