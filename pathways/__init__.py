"""The learning side: capability frameworks, roles, levels and gaps, catalogue, pathways."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the package's blueprints, API, CLI, navigation, home cards and demo seeder."""
    from . import models  # noqa: F401  (tables known to create_all and Alembic)
