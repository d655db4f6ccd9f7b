"""CLI: `flask report --company SLUG [--from DATE --to DATE] [--team NAME] --out FILE.pdf`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from app.cli import company_by_slug
from app.errors import DomainError
from app.extensions import db
from app.models import Team


@click.command("report")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.option("--from", "raw_from", default=None, help="First day (default: fiscal year start).")
@click.option("--to", "raw_to", default=None, help="Last day (default: today).")
@click.option("--team", "team_name", default=None, help="A team's name (with its sub-teams).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF.")
def report(slug: str, raw_from: str | None, raw_to: str | None, team_name: str | None,
           out: Path) -> None:
    """Render the executive capability report to a PDF file."""
    from . import datasets, pdf

    company = company_by_slug(slug)
    team_id = None
    if team_name:
        team_id = db.session.scalar(select(Team.id).where(Team.company_id == company.id,
                                                          Team.name == team_name))
        if team_id is None:
            raise click.ClickException(f"--team: {company.name} has no team '{team_name}'.")
    try:
        params = datasets.parse_params(company, raw_from, raw_to, team_id)
    except DomainError as exc:
        raise click.ClickException(f"--{exc.field or 'from'}: {exc.message}") from exc
    stages = ["coverage and readiness", "levels gained", "spend and budgets", "pathways",
              "laying out the pages", "writing the PDF"]
    with click.progressbar(length=len(stages) + 1, label="Rendering the report",
                           item_show_func=lambda s: s) as bar:
        def step(stage: str) -> None:
            bar.update(1, stage)

        data = datasets.build(company, params, progress=step)
        rendered = pdf.render(data, progress=step)
        out.write_bytes(rendered.pdf)
        bar.update(1, "done")
    click.echo(f"Wrote {out} ({rendered.pages} pages, {len(rendered.pdf) // 1024} KB): "
               f"{company.name}, {data.scope_label}, {data.period_label}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(report)
