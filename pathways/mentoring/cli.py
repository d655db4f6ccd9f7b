"""CLI: `flask import-coaches --company SLUG FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from app.cli import company_by_slug, first_admin, read_import_file, refuse_bad_plan
from app.extensions import db


@click.command("import-coaches")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_coaches(slug: str, file: Path) -> None:
    """Import external coaches from CSV; a bad row: nothing written, every problem listed."""
    from . import coach_import

    company = company_by_slug(slug)
    actor = first_admin(company)
    plan = coach_import.parse(company.id, read_import_file(file))
    refuse_bad_plan(plan)
    with click.progressbar(length=len(plan.rows), label="Importing coaches") as bar:
        count = coach_import.apply(actor, plan, progress=bar.update)
    db.session.commit()
    click.echo(f"Imported {count} coaches ({plan.creates} new, {plan.updates} updated).")


def init_app(app: Flask) -> None:
    app.cli.add_command(import_coaches)
