"""The JSON API under /api/v1: plumbing, declared schemas and the OpenAPI document."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ..people.api import bp

    app.register_blueprint(bp)
