"""The admin page for SCIM provisioning: the base URL, the company's tokens, create and revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..forms import ConfirmForm
from ..identity import roles_required
from ..tenancy import current_company
from ..uow import refusal
from . import tokens
from .forms import ScimTokenForm
from .resources import base_url

bp = Blueprint("scim_admin", __name__)
admin_only = roles_required("admin")


@bp.route("/admin/scim", methods=["GET", "POST"])
@admin_only
def index() -> str:
    form, secret = ScimTokenForm(), None
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            _token, secret = tokens.create(current_user, form.name.data or "")
        if attempt.ok:
            form = ScimTokenForm(formdata=None)
    return render_template("scim/tokens.html", form=form, secret=secret, base=base_url(),
                           tokens=tokens.of_company(current_company().id), confirm=ConfirmForm())


@bp.post("/admin/scim/<int:token_id>/revoke")
@admin_only
def revoke(token_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = tokens.revoke(current_user, token_id)  # another company's or unknown id: NotFound, a 404
    flash(f"SCIM token '{token.name}' revoked; the identity provider using it is refused from now on.",
          "success")
    return redirect(url_for("scim_admin.index"))
