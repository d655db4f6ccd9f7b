"""Sign-in, sign-out, invitations, password reset and change, personal API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ..identity import login_required
from ..models import User
from ..redirects import local_target
from ..uow import checkpoint, refusal
from . import service, throttle
from .forms import (
    ChangePasswordForm,
    CompanyChoiceForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
    TokenForm,
)

bp = Blueprint("auth", __name__)
CHOICE = "signin_choice"  # the session key of a pending choice of company


WRONG = "E-mail or password is wrong, or the account is closed."


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("app/login.html", form=form)
    address, client = form.email.data or "", request.remote_addr
    verdict = throttle.admit_sign_in(address, client)
    checkpoint("the attempt counts now, whatever follows: a refusal below rolls back, the count "
               "must stay (and no counter lock is held while the password is checked)")
    if not verdict.allowed:
        return _refused(form, form.password, verdict)
    accounts = service.matching_accounts(address, form.password.data or "")
    if not accounts:
        if verdict.locks:  # this failure locks the address: tell its owners (after the commit)
            service.tell_of_lock(address, verdict)
        form.password.errors.append(WRONG)
        return render_template("app/login.html", form=form)
    throttle.signed_in(address, client)
    target = local_target(request.args.get("next"))
    if len(accounts) == 1:
        return _sign_in(accounts[0], target)
    # The password is right for this address in several companies: ask which.
    session[CHOICE] = service.offer_choice(accounts) | {"next": target}
    return redirect(url_for("auth.choose_company"))


def _refused(form: Any, field: Any, verdict: throttle.Verdict) -> tuple[str, int, dict[str, str]]:
    wait = _duration(verdict.retry_after)
    field.errors.append(
        f"Too many failed sign-ins for this address. Try again in {wait}, or reset your password."
        if verdict.why == "address" else
        f"Too many attempts from your network. Try again in {wait}.")
    template = "app/login.html" if isinstance(form, LoginForm) else "app/forgot_password.html"
    return (render_template(template, form=form), 429,
            {"Retry-After": str(verdict.retry_after)})


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@bp.route("/login/company", methods=["GET", "POST"])
def choose_company() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    choice = session.get(CHOICE)
    accounts = service.accounts_of_choice(choice)
    if not accounts:
        session.pop(CHOICE, None)
        flash("Please sign in again to choose the company.", "info")
        return redirect(url_for("auth.login"))
    form = CompanyChoiceForm()
    form.account.choices = [(user.id, user.company.name) for user in accounts]
    if form.validate_on_submit():
        chosen = next(user for user in accounts if user.id == form.account.data)
        return _sign_in(chosen, local_target((choice or {}).get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("app/login_company.html", form=form), status


def _sign_in(user: User, target: str | None) -> Response:
    # Another package may refuse password sign-in (single sign-on required: app/sso).
    for guard in current_app.extensions.get("trellis_password_guards", []):
        if refused := guard(user):
            flash(refused, "error")
            return redirect(url_for("auth.login"))
    service.record_sign_in(user)
    session.clear()  # a fresh session at sign-in (no fixation), without the pending choice
    login_user(user)
    return redirect(target or url_for("home.index"))


@bp.post("/logout")
@login_required
def logout() -> Response:
    service.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> str | Response | tuple[str, int]:
    user = service.user_for_invite(token)
    if user is None:
        return render_template("app/link_invalid.html", what="invitation"), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        with refusal(form, default="password") as attempt:
            service.set_password(user, form.password.data or "")
        if attempt.ok:
            session.clear()
            login_user(user)
            flash(f"Welcome to Trellis, {user.name}.", "success")
            return redirect(url_for("home.index"))
    return render_template("app/set_password.html", form=form, user=user, mode="invite")


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> str | Response | tuple[str, int, dict[str, str]]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        verdict = throttle.admit_reset_request(request.remote_addr)
        if not verdict.allowed:
            return _refused(form, form.email, verdict)
        service.request_password_reset(form.email.data or "")
        flash("If that address has an account, a reset link is on its way.", "info")
        return redirect(url_for("auth.login"))
    return render_template("app/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    user = service.user_for_reset(token)
    if user is None:
        return render_template("app/link_invalid.html", what="reset link"), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        with refusal(form, default="password") as attempt:
            service.set_password(user, form.password.data or "")
            throttle.forget_address(user.email)  # the owner proved themselves: lift a lock
        if attempt.ok:
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("app/set_password.html", form=form, user=user, mode="reset")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with refusal(form, default="password") as attempt:
            service.change_password(user, form.current_password.data or "", form.password.data or "")
        if attempt.ok:
            login_user(user)  # this session carries the new version; all others are revoked
            flash("Password changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.tokens"))
    return render_template("app/change_password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> str | Response:
    form = TokenForm()
    new_secret = None
    user = current_user._get_current_object()
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            _token, new_secret = service.create_token(user, form.name.data or "")
        if attempt.ok:
            form = TokenForm(formdata=None)
    return render_template(
        "app/tokens.html", form=form, tokens=service.tokens_of(user), new_secret=new_secret
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    # An unknown token (or another person's) is a NotFound: the 404 page, nothing saved.
    token = service.revoke_token(current_user._get_current_object(), token_id)
    flash(f"Token '{token.name}' revoked; scripts using it stop working now.", "success")
    return redirect(url_for("auth.tokens"))
