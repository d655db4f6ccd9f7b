"""The JSON API under /api/v1: plumbing, declared schemas and the OpenAPI document."""

from flask import Flask

from .encoding import ApiJSONProvider


def init_app(app: Flask) -> None:
    from ..people.api import bp

    app.json = ApiJSONProvider(app)
    app.register_blueprint(bp)
