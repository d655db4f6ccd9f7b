"""`flask billing replay EVENT_ID`, `flask billing setup-products`, `flask billing sync-seats`."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.models import Company

from . import gateway, seats, webhooks

billing_cli = AppGroup("billing", help="Stripe billing.")


@billing_cli.command("replay")
@click.argument("event_id")
def replay_command(event_id: str) -> None:
    """Reprocess a stored Stripe event (safe: every effect is idempotent)."""
    try:
        event = webhooks.replay(event_id)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # recorded on the event row
        db.session.commit()
        click.echo(f"{event_id}: processing failed again: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{event.stripe_id} ({event.type}) processed, attempt {event.attempts}.")


@billing_cli.command("setup-products")
@click.option("--name", default="Trellis seats", show_default=True)
@click.option("--amount-minor", type=click.IntRange(min=1), default=800, show_default=True,
              help="Price per seat and interval, in minor units.")
@click.option("--currency", default="eur", show_default=True)
@click.option("--interval", type=click.Choice(["month", "year"]), default="month",
              show_default=True)
def setup_products_command(name: str, amount_minor: int, currency: str, interval: str) -> None:
    """Create the product and the per-seat recurring price at Stripe; print the price id."""
    try:
        ids = gateway.setup_products(name, amount_minor, currency, interval)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Product {ids['product_id']}, price {ids['price_id']}.")
    click.echo(f"Set STRIPE_SEAT_PRICE_ID={ids['price_id']}")


@billing_cli.command("sync-seats")
@click.option("--company", "slug", required=True)
def sync_seats_command(slug: str) -> None:
    """Set the subscription's quantity to the active people now (normally queued)."""
    company = db.session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise click.ClickException(f"No company with slug '{slug}'.")
    company_id = company.id
    # End our transaction (on SQLite it holds the write lock) before the task opens its own;
    # touching `company` after this would begin a new one.
    db.session.rollback()
    click.echo(f"{slug}: {seats.sync_seats.call_local(company_id)} seats.")


def init_app(app: Flask) -> None:
    app.cli.add_command(billing_cli)
