"""`flask configure-sso --company SLUG --oidc-issuer URL --client-id ID --client-secret SECRET`."""

from __future__ import annotations

import click

from ..cli import company_by_slug, first_admin
from ..errors import DomainError
from ..extensions import db
from . import oidc, service


@click.command("configure-sso")
@click.option("--company", "slug", required=True)
@click.option("--oidc-issuer", "issuer", required=True, help="Issuer URL (its discovery document is read).")
@click.option("--client-id", required=True)
@click.option("--client-secret", required=True)
@click.option("--jit/--no-jit", default=False, help="Create unknown people at their first sign-in.")
@click.option("--email-claim", default="email", show_default=True)
def configure_sso(slug: str, issuer: str, client_id: str, client_secret: str, jit: bool, email_claim: str) -> None:
    """Connect a company to its OpenID Connect identity provider."""
    company = company_by_slug(slug)
    try:
        oidc.discover(issuer)
        service.configure(first_admin(company), issuer, client_id, client_secret, jit, email_claim)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Single sign-on for {company.name}: people sign in at /sso/{slug}/login")
