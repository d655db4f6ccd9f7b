"""Money: the ledger, budgets and policies, holds, Stripe gateway and webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register billing's blueprints, CLI and filters (none yet: see the budgets issue)."""
