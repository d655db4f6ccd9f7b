"""`flask create-scim-token --company SLUG`: a SCIM token for the company, printed on the last line."""

from __future__ import annotations

import click

from ..cli import company_by_slug, first_admin
from ..extensions import db
from . import tokens


@click.command("create-scim-token")
@click.option("--company", "slug", required=True, help="Company slug, e.g. acme.")
@click.option("--name", default="SCIM (CLI)", show_default=True, help="Where the token is used.")
def create_scim_token(slug: str, name: str) -> None:
    """Create a SCIM provisioning token for a company (it acts as the company's first admin)."""
    company = company_by_slug(slug)
    admin = first_admin(company)
    _token, secret = tokens.create(admin, name)
    db.session.commit()
    click.echo(f"SCIM token for {company.name}, acting as {admin.email} (shown once):", err=True)
    click.echo(secret)
