"""The home page: one view, a section per access role the person holds."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .extensions import db
from .identity import login_required
from .models import OutboxMessage, PendingImport, Team, User, UserStatus
from .people import service as people
from .tenancy import current_company

bp = Blueprint("home", __name__)

# Other packages add cards to the home page: `app.extensions["trellis_home_cards"]` holds
# (template name, roles) pairs rendered in order for people holding one of the roles.


def add_home_card(app: Flask, template: str, roles: tuple[str, ...], order: int = 50) -> None:
    app.extensions.setdefault("trellis_home_cards", []).append((order, template, roles))


def _admin_stats(company_id: int) -> dict[str, int]:
    row = db.session.execute(
        select(
            func.count(User.id).filter(User.status == UserStatus.ACTIVE.value),
            func.count(User.id).filter(User.status == UserStatus.LEFT.value),
            func.count(User.id).filter(
                User.status == UserStatus.ACTIVE.value, User.password_hash.is_(None)
            ),
            func.count(User.id).filter(
                User.status == UserStatus.ACTIVE.value, User.team_id.is_(None)
            ),
        ).where(User.company_id == company_id)
    ).one()
    teams = db.session.scalar(select(func.count(Team.id)).where(Team.company_id == company_id))
    return {"active": row[0], "left": row[1], "invited": row[2], "no_team": row[3],
            "teams": teams or 0}


@bp.get("/")
def root() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login"))


@bp.get("/home")
@login_required
def index() -> str:
    company = current_company()
    context: dict[str, object] = {"company": company}
    if current_user.has_role("admin", "executive"):
        context["stats"] = _admin_stats(company.id)
    if current_user.has_role("admin"):
        context["pending_import"] = db.session.scalar(
            select(PendingImport).where(PendingImport.company_id == company.id,
                                        PendingImport.created_by_id == current_user.id,
                                        PendingImport.kind == "people")
            .order_by(PendingImport.id.desc()).limit(1))
        context["mail_failed"] = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.company_id == company.id, OutboxMessage.status == "failed"))
    if current_user.has_role("manager"):
        context["reports"] = people.reports_of(current_user)
    cards = sorted(current_app.extensions.get("trellis_home_cards", []))
    context["cards"] = [t for _o, t, roles in cards if not roles or current_user.has_role(*roles)]
    context["teams_by_id"] = {t.id: t.name for t in db.session.scalars(
        select(Team).where(Team.company_id == company.id))}
    return render_template("app/home.html", **context)


def init_app(app: Flask) -> None:
    from .web import NavItem, add_nav

    app.register_blueprint(bp)
    add_nav(app, NavItem("Home", "home.index", (), order=0))
