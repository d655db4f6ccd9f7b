"""`GET /sso/<slug>/login` sends the person to their company's identity provider; the provider
sends them back to `/sso/<slug>/callback`, where the ID token signs them in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import Company
from ..uow import refusal
from . import oidc, service

bp = Blueprint("sso", __name__)
PENDING = "sso_pending"


def _company(slug: str) -> Company:
    company: Company | None = db.session.scalar(select(Company).where(Company.slug == slug))
    if company is None or service.config_of(company.id) is None:
        abort(404)
    return company


@bp.get("/sso/<slug>/login")
def login(slug: str) -> Response | tuple[str, int]:
    company = _company(slug)
    config = service.config_of(company.id)
    assert config is not None
    with refusal(show=False) as attempt:
        begun = oidc.start(config, url_for("sso.callback", slug=slug, _external=True))
    if attempt.error is not None:
        return render_template("sso/refused.html", company=company,
                               message=attempt.error.message), 502
    session[PENDING] = {"slug": slug, "state": begun.state, "nonce": begun.nonce, "verifier": begun.verifier}
    return redirect(begun.url)


@bp.get("/sso/<slug>/callback")
def callback(slug: str) -> Response | tuple[str, int]:
    company = _company(slug)
    config = service.config_of(company.id)
    assert config is not None
    pending = session.pop(PENDING, None)  # one use: a replayed callback finds nothing
    if not pending or pending.get("slug") != slug or request.args.get("state") != pending.get("state"):
        return render_template("sso/refused.html", company=company,
                               message="This sign-in link is stale or was not started here. Start again."), 400
    if request.args.get("error"):
        said = request.args.get("error_description") or request.args["error"]
        return render_template("sso/refused.html", company=company,
                               message=f"The identity provider said: {said}"), 400
    with refusal(show=False) as attempt:
        claims = oidc.finish(config, url_for("sso.callback", slug=slug, _external=True), request.url,
                             pending["verifier"], pending["nonce"])
        user = service.person_for(company, config, claims)
    if attempt.error is not None:
        return render_template("sso/refused.html", company=company,
                               message=attempt.error.message), 403
    user.last_login_at = db.func.now()  # saved with a just-in-time account by the end of the request
    session.clear()
    login_user(user)
    flash(f"Signed in through {company.name}'s identity provider.", "success")
    return redirect(url_for("home.index"))
