"""`flask ledger verify` and `flask budgets allocate|close` (the same services as the pages)."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Company, User, UserStatus
from app.money import money

from . import budgets, verify
from .policies import parse_period

ledger_cli = AppGroup("ledger", help="The money ledger.")
budgets_cli = AppGroup("budgets", help="Learning budgets.")


def _company(slug: str) -> Company:
    company: Company | None = db.session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise click.ClickException(f"No company with slug '{slug}'.")
    return company


@ledger_cli.command("verify")
@click.option("--company", "slug", help="Only this company (slug); default: every company.")
def verify_command(slug: str | None) -> None:
    """Check every ledger invariant; exit 1 with a report when any fails."""
    company_id = _company(slug).id if slug else None
    checks = verify.run_checks(company_id)
    click.echo(verify.report(checks))
    db.session.rollback()
    if not all(c.ok for c in checks):
        sys.exit(1)


@budgets_cli.command("allocate")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.option("--period", help="Fiscal year like 2026 or a date inside it; default: today's.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Accrue as of this date (monthly policies); default: today.")
def allocate_command(slug: str, period: str | None, as_of: object) -> None:
    """Allocate the period's budgets to every active person (idempotent)."""
    company = _company(slug)
    day = as_of.date() if as_of else date.today()  # type: ignore[attr-defined]
    fiscal = parse_period(company, period, day)
    people = db.session.scalar(select(func.count(User.id)).where(
        User.company_id == company.id, User.status == UserStatus.ACTIVE.value)) or 0
    with click.progressbar(length=people, label=f"Allocating {fiscal.label}") as bar:
        run = budgets.run_allocation(None, company, fiscal, min(day, fiscal.end),
                                     progress=bar.update)
    db.session.commit()
    click.echo(f"{company.name} {fiscal.label}: allocated "
               f"{money(run.allocated_minor, company.currency)} to {run.people} people.")


@budgets_cli.command("close")
@click.option("--company", "slug", required=True)
@click.option("--period", required=True, help="The fiscal year to close, e.g. 2025.")
def close_command(slug: str, period: str) -> None:
    """Close a finished period: roll over up to each policy's cap, expire the rest."""
    company = _company(slug)
    fiscal = parse_period(company, period, date.today())
    if fiscal.end >= date.today():
        raise click.ClickException(f"{fiscal.label} has not ended yet (it ends {fiscal.end}).")
    rolled, expired = budgets.close_period(None, company, fiscal)
    db.session.commit()
    click.echo(f"{fiscal.label} closed: {money(rolled, company.currency)} rolled over, "
               f"{money(expired, company.currency)} expired.")


def init_app(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
    app.cli.add_command(budgets_cli)
