"""CLI: `flask import-framework --company SLUG [--framework NAME] [--scale NAME] FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from app.cli import company_by_slug, first_admin, read_import_file, refuse_bad_plan
from app.extensions import db


@click.command("import-framework")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.option("--framework", "framework_name", default=None,
              help="Framework to import into (created if new); a JSON file may name it.")
@click.option("--scale", "scale_name", default=None,
              help="Scale of a new framework (default: the company's only scale, or 1–5).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_framework(slug: str, framework_name: str | None, scale_name: str | None,
                     file: Path) -> None:
    """Import capabilities (CSV) or a framework (JSON); a bad row: nothing written, exit 1."""
    from . import framework_import

    company = company_by_slug(slug)
    actor = first_admin(company)
    text = read_import_file(file)
    if not framework_name and not file.name.lower().endswith(".json"):
        click.echo("Name the framework with --framework (CSV files do not carry one).", err=True)
        sys.exit(1)
    plan = framework_import.parse(company.id, text, file.name, framework_name, scale_name)
    refuse_bad_plan(plan)
    with click.progressbar(length=len(plan.rows), label="Importing capabilities") as bar:
        framework = framework_import.apply(actor, plan, progress=bar.update)
    db.session.commit()
    click.echo(f"Imported {len(plan.rows)} capabilities into {framework.name} "
               f"({plan.creates} new, {plan.updates} changed, {plan.unchanged} unchanged).")


def init_app(app: Flask) -> None:
    app.cli.add_command(import_framework)
