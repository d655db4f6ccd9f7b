"""The admin page for single sign-on: the company's OpenID provider and its rules."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..identity import roles_required
from ..tenancy import current_company
from ..uow import refusal
from . import oidc, service
from .forms import SsoForm, parse_role_map

bp = Blueprint("sso_admin", __name__)


@bp.route("/admin/sso", methods=["GET", "POST"])
@roles_required("admin")
def index() -> str | Response:
    company = current_company()
    config = service.config_of(company.id)
    form = SsoForm(obj=config) if config else SsoForm()
    if config and not form.is_submitted():
        form.role_map.data = "\n".join(f"{g} = {r}" for g, r in (config.role_map or {}).items())
    if form.validate_on_submit():
        with refusal(form, default="issuer") as attempt:
            oidc.discover(form.issuer.data or "")
            service.configure(current_user, form.issuer.data or "", form.client_id.data or "",
                              form.client_secret.data or None, bool(form.jit.data), form.email_claim.data or "email",
                              form.groups_claim.data or None, parse_role_map(form.role_map.data or ""),
                              bool(form.require_sso.data))
        if attempt.ok:
            flash("Single sign-on saved.", "success")
            return redirect(url_for("sso_admin.index"))
    return render_template("sso/settings.html", form=form, config=config, company=company,
                           callback=url_for("sso.callback", slug=company.slug, _external=True))
