"""The shell's CLI: seed-demo, create-token, import-people (the same services as the views)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db
from .models import Company, User


def company_by_slug(slug: str) -> Company:
    company = db.session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise click.ClickException(f"No company with slug '{slug}'.")
    return company


def first_admin(company: Company) -> User:
    from .models import UserRole

    admin = db.session.scalar(
        select(User).join(UserRole).where(User.company_id == company.id, UserRole.role == "admin",
                                          User.status == "active").order_by(User.id).limit(1))
    if admin is None:
        raise click.ClickException(f"{company.name} has no active admin to act as.")
    return admin


def read_import_file(file: Path) -> str:
    """The text of a CSV/JSON import file (BOM tolerated); exit 1 with a hint when not UTF-8."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo("File: not UTF-8 text; save it as 'CSV UTF-8'.", err=True)
        sys.exit(1)


def refuse_bad_plan(plan: Any) -> None:
    """All-or-nothing imports: unless `plan.ok`, list every problem in `plan.errors`, exit 1."""
    if plan.ok:
        return
    for error in plan.errors:
        click.echo(str(error), err=True)
    if plan.errors:
        click.echo(f"{len(plan.errors)} problems; nothing was imported.", err=True)
    else:
        click.echo("The file has no rows; nothing was imported.", err=True)
    sys.exit(1)


@click.command("seed-demo")
@click.option("--employees", default=60, show_default=True, help="Size of Acme Robotics.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has any company.")
def seed_demo(employees: int, if_empty: bool) -> None:
    """Create the demo companies Acme Robotics and Globex with their people."""
    from . import demo

    if if_empty and not demo.is_empty():
        click.echo("Database already has data; demo seeding skipped.")
        return
    if not demo.is_empty() and db.session.scalar(
            select(Company.id).where(Company.slug == "acme")) is not None:
        raise click.ClickException("Demo data already exists (company 'acme').")
    with click.progressbar(length=employees, label="Seeding people") as bar:
        demo.seed(employees, progress=bar.update, say=lambda m: click.echo(m, err=True))
    db.session.commit()
    click.echo("Demo data ready. Sign in with password 'trellis-demo' as:")
    for email, what in demo.DEMO_LOGINS:
        click.echo(f"  {email:<22} {what}")


def person_by_email(email: str, slug: str | None) -> User:
    """The active person with this address (in company `slug` when given). An address may
    belong to people in several companies; then the company must be named."""
    from .auth import service

    people = service.accounts_with_address(email)
    if slug is not None:
        company = company_by_slug(slug)
        people = [p for p in people if p.company_id == company.id]
        if not people:
            raise click.ClickException(f"No active person with e-mail {email} in {slug}.")
    if not people:
        raise click.ClickException(f"No active person with e-mail {email}.")
    if len(people) > 1:
        slugs = ", ".join(p.company.slug for p in people)
        raise click.ClickException(
            f"{people[0].email} belongs to people in {len(people)} companies ({slugs}); "
            "choose one with --company SLUG.")
    return people[0]


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="CLI token", show_default=True)
@click.option("--company", "slug", default=None,
              help="Company slug, when the address belongs to people in several companies.")
def create_token(email: str, name: str, slug: str | None) -> None:
    """Create a personal API token for EMAIL and print it (last line)."""
    from .auth import service

    user = person_by_email(email, slug)
    _token, secret = service.create_token(user, name)
    db.session.commit()
    click.echo(f"Token for {user.email} at {user.company.name} (shown once):", err=True)
    click.echo(secret)


@click.command("import-people")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_people(slug: str, file: Path) -> None:
    """Import people from a CSV; nothing is written when any row is bad (exit 1)."""
    from .people import importer

    company = company_by_slug(slug)
    actor = first_admin(company)
    plan = importer.parse(company.id, read_import_file(file))
    refuse_bad_plan(plan)
    with click.progressbar(length=len(plan.rows), label="Importing people") as bar:
        count = importer.apply(actor, plan, progress=bar.update)
    db.session.commit()
    teams = f" and {len(plan.new_teams)} new teams" if plan.new_teams else ""
    click.echo(f"Imported {count} people{teams} into {company.name}.")


def init_app(app: Flask) -> None:
    for command in (seed_demo, create_token, import_people):
        app.cli.add_command(command)
