"""Money: the ledger, budgets and policies, holds, Stripe gateway and webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register billing's models, blueprints, CLI, navigation, home card and demo seeder."""
    from . import models  # noqa: F401  (tables known to create_all and Alembic)
