"""Admin pages: role profiles, requirements, the roles × capabilities matrix, career moves and
who holds which role."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm
from app.identity import roles_required
from app.models import User, UserStatus
from app.redirects import local_target
from app.search import contains_text
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal

from . import frameworks, roles
from .forms import AssignForm, CopyRoleForm, MoveForm, RoleForm
from .models import CareerMove, Framework, Role, RoleAssignment

bp = Blueprint("roles", __name__)
admin_only = roles_required("admin")
MATRIX_COLUMNS = 12


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _data(form: RoleForm) -> roles.RoleData:
    return roles.RoleData(form.title.data or "", form.family.data, form.seniority.data,
                          form.description.data)


def _all_roles() -> list[Role]:
    return list(db.session.scalars(scoped(Role).options(selectinload(Role.requirements))
                                   .order_by(Role.family, Role.seniority, Role.title)))


@bp.route("/roles", methods=["GET", "POST"])
@admin_only
def index() -> str | Response:
    form = RoleForm()
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            role = roles.create_role(current_user, _data(form))
        if attempt.ok:
            flash(f"Role {role.title} created; now set what it requires.", "success")
            return redirect(url_for("roles.show", role_id=role.id))
    company = current_company()
    missing = db.session.scalar(roles.without_role_query(company.id).order_by(None)
                                .with_only_columns(db.func.count(User.id)))
    return render_template("pathways/capabilities/roles/index.html", form=form, roles=_all_roles(),
                           counts=roles.role_counts(company.id), missing=missing)


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@admin_only
def show(role_id: int) -> str | Response:
    role = get_or_404(Role, role_id)
    form = RoleForm(obj=role)
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            roles.update_role(current_user, role, _data(form))
        if attempt.ok:
            flash(f"Saved {role.title}.", "success")
            return redirect(url_for("roles.show", role_id=role.id))
    q = request.args.get("q", "").strip()
    found = db.session.scalars(frameworks.capability_query(role.company_id, q).limit(20)
                               ).all() if q else []
    move_form = MoveForm()
    move_form.to_role_id.choices = [(r.id, r.title) for r in _all_roles() if r.id != role.id]
    moves = db.session.scalars(select(CareerMove).where(CareerMove.from_role_id == role.id)).all()
    return render_template(
        "pathways/capabilities/roles/show.html", role=role, form=form, q=q, found=found,
        confirm=ConfirmForm(), copy_form=CopyRoleForm(), move_form=move_form, moves=moves,
        requirements=sorted(role.requirements, key=lambda r: r.capability.name))


@bp.post("/roles/<int:role_id>/requirements")
@admin_only
def requirements(role_id: int) -> Response:
    """Save the requirement table, or add one (`add=<capability id>`)."""
    role = get_or_404(Role, role_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    form = request.form
    ids = [int(k[4:]) for k in form if k.startswith("lvl-") and k[4:].isdigit()]
    reqs = [roles.Requirement(cid, form.get(f"lvl-{cid}", 0, type=int) or 0,
                              form.get(f"wt-{cid}", 1, type=int) or 1) for cid in ids]
    with refusal() as attempt:
        roles.set_requirements(current_user, role, reqs, replace=False)
    if attempt.ok:
        flash(f"Requirements of {role.title} saved.", "success")
    return redirect(url_for("roles.show", role_id=role.id))


@bp.post("/roles/<int:role_id>/copy")
@admin_only
def copy(role_id: int) -> Response:
    role = get_or_404(Role, role_id)
    form = CopyRoleForm()
    if not form.validate_on_submit():
        flash("Give the copy a title.", "error")
        return redirect(url_for("roles.show", role_id=role.id))
    with refusal() as attempt:
        new = roles.copy_role(current_user, role, form.title.data or "")
    if not attempt.ok:
        return redirect(url_for("roles.show", role_id=role.id))
    flash(f"{new.title} created as a copy of {role.title}.", "success")
    return redirect(url_for("roles.show", role_id=new.id))


@bp.post("/roles/<int:role_id>/moves")
@admin_only
def add_move(role_id: int) -> Response:
    role = get_or_404(Role, role_id)
    form = MoveForm()
    if form.validate_on_submit():
        target = get_or_404(Role, form.to_role_id.data)
        with refusal() as attempt:
            roles.add_move(current_user, role, target)
        if attempt.ok:
            flash("Career move added.", "success")
    return redirect(url_for("roles.show", role_id=role.id))


@bp.post("/roles/moves/<int:move_id>/delete")
@admin_only
def delete_move(move_id: int) -> Response:
    move = get_or_404(CareerMove, move_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    role_id = move.from_role_id
    roles.remove_move(current_user, move)
    flash("Career move removed.", "success")
    return redirect(url_for("roles.show", role_id=role_id))


@bp.route("/roles/matrix", methods=["GET", "POST"])
@admin_only
def matrix() -> str | Response:
    """Roles × capabilities: one select per cell, a page of capabilities at a time."""
    company = current_company()
    fws = db.session.scalars(scoped(Framework).order_by(Framework.name)).all()
    fw_id = request.args.get("framework", type=int) or (fws[0].id if fws else None)
    framework = get_or_404(Framework, fw_id) if fw_id else None
    query = frameworks.capability_query(company.id, request.args.get("q"), fw_id,
                                        request.args.get("category", type=int))
    page = db.paginate(query, page=_page(), per_page=MATRIX_COLUMNS, error_out=False)
    all_roles = _all_roles()
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        with refusal() as attempt:
            for role in all_roles:
                roles.set_requirements(current_user, role, [
                    roles.Requirement(c.id, request.form.get(f"r{role.id}-c{c.id}", 0, type=int)
                                      or 0, _weight(role, c.id)) for c in page.items],
                    replace=False)
        if attempt.ok:
            flash("Requirements saved.", "success")
        return redirect(request.full_path)
    return render_template("pathways/capabilities/roles/matrix.html", roles=all_roles, page=page,
                           framework=framework, frameworks=fws, args=request.args,
                           categories=frameworks.categories_of(framework) if framework else [],
                           confirm=ConfirmForm())


def _weight(role: Role, capability_id: int) -> int:
    return next((r.weight for r in role.requirements if r.capability_id == capability_id), 1)


@bp.get("/roles/people")
@admin_only
def people() -> str:
    company = current_company()
    query = (select(User, RoleAssignment).outerjoin(RoleAssignment,
                                                    RoleAssignment.user_id == User.id)
             .where(User.company_id == company.id, User.status == UserStatus.ACTIVE.value)
             .order_by(User.name, User.id))
    if request.args.get("missing") == "1":
        query = query.where(RoleAssignment.role_id.is_(None))
    if request.args.get("q"):
        query = query.where(contains_text(request.args["q"], User.name))
    # Flask-SQLAlchemy's paginate is typed for one-entity selects; it counts this one alike.
    page = db.paginate(cast("Select[Any]", query), page=_page(), per_page=50, error_out=False)
    rows = db.session.execute(query.limit(50).offset((page.page - 1) * 50)).all()
    return render_template("pathways/capabilities/roles/people.html", rows=rows, page=page,
                           roles=_all_roles(), args=request.args, confirm=ConfirmForm())


@bp.post("/roles/people/<int:user_id>")
@admin_only
def assign(user_id: int) -> Response:
    person = get_or_404(User, user_id)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    role = get_or_404(Role, form.role_id.data) if form.role_id.data else None
    roles.assign_role(current_user, person, role)
    flash(f"{person.name}: {role.title if role else 'no role'}.", "success")
    return redirect(local_target(request.form.get("next")) or url_for("roles.people"))
