"""Money: the ledger, budgets and policies, holds, Stripe gateway and webhooks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register billing's models, blueprints, CLI, navigation, home card and demo seeder."""
    from app.api.openapi import add_schema, page_of

    from . import api, cli, models  # noqa: F401  (models: tables known to create_all/Alembic)

    app.register_blueprint(api.bp)
    for name, schema in api.SCHEMAS.items():
        add_schema(app, name, schema)
    add_schema(app, "PersonTransactionPage", page_of("PersonTransaction"))
    cli.init_app(app)
