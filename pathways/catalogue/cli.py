"""CLI: `flask import-offerings --company SLUG FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from app.cli import company_by_slug, first_admin, read_import_file, refuse_bad_plan
from app.extensions import db


@click.command("import-offerings")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_offerings(slug: str, file: Path) -> None:
    """Import catalogue offerings from CSV; a bad row: nothing written, every problem listed."""
    from . import offering_import

    company = company_by_slug(slug)
    actor = first_admin(company)
    text = read_import_file(file)
    plan = offering_import.parse(company.id, text)
    refuse_bad_plan(plan)
    with click.progressbar(length=len(plan.rows), label="Importing offerings") as bar:
        count = offering_import.apply(actor, plan, progress=bar.update)
    db.session.commit()
    click.echo(f"Imported {count} offerings ({plan.creates} new, {plan.updates} updated"
               + (f"; new providers: {', '.join(plan.new_providers)}" if plan.new_providers
                  else "") + ").")


def init_app(app: Flask) -> None:
    app.cli.add_command(import_offerings)
