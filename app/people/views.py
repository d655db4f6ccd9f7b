"""Admin pages for people, teams, the CSV import, the audit log and the mail outbox."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.api.schema import PAGE_MAX
from app.forms import ConfirmForm, CsvFileForm, as_choices

from ..auth import service as accounts
from ..errors import DomainError
from ..extensions import db
from ..identity import roles_required
from ..imports import keep_pending, uploaded_text
from ..models import AuditEntry, OutboxMessage, PendingImport, Team, User
from ..tenancy import current_company, get_or_404, scoped
from ..uow import refusal
from . import importer, service
from .forms import PersonForm, TeamForm

bp = Blueprint("people", __name__)
admin_only = roles_required("admin")


def _page() -> int:
    return min(PAGE_MAX, max(1, request.args.get("page", 1, type=int) or 1))


def _team_choices(blank: str) -> list[tuple[object, str]]:
    return [("", blank)] + [
        (t.id, "\u2003" * depth + t.name) for t, depth, _n in service.teams_tree(current_company().id)
    ]


def _person_data(form: PersonForm) -> service.PersonData:
    manager_id = None
    if form.manager_email.data:
        email = form.manager_email.data.strip().lower()
        manager_id = db.session.scalar(scoped(User).with_only_columns(User.id).where(User.email == email))
        if manager_id is None:
            raise DomainError(f"Nobody in {current_company().name} has the e-mail {email}.",
                              "manager_email")
    return service.PersonData(
        email=form.email.data or "", name=form.name.data or "", team_id=form.team_id.data,
        manager_id=manager_id, job_title=form.job_title.data,
        access_roles=list(form.access_roles.data or []), start_date=form.start_date.data,
    )


@bp.get("/people")
@admin_only
def index() -> str:
    company = current_company()
    args = request.args
    query = service.people_query(company.id, args.get("q"), args.get("team", type=int),
                                 args.get("role") or None, args.get("status") or None).options(
        selectinload(User.team), selectinload(User.manager))
    page = db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    teams = _team_choices("All teams")
    teams.insert(1, (service.NO_TEAM, "No team"))
    return render_template("app/people/index.html", page=page, teams=teams,
                           args=args, confirm=ConfirmForm())


@bp.route("/people/new", methods=["GET", "POST"])
@admin_only
def new() -> str | Response:
    form = PersonForm()
    form.team_id.choices = as_choices(_team_choices("No team"))
    if request.method == "GET":
        form.access_roles.data = ["employee"]
    if form.validate_on_submit():
        with refusal(form, default="email") as attempt:
            user = service.create_person(current_user, _person_data(form))
            accounts.send_invitation(current_user, user)
        if attempt.ok:
            flash(f"{user.name} added; an invitation is on its way to {user.email}.", "success")
            return redirect(url_for("people.show", user_id=user.id))
    return render_template("app/people/form.html", form=form, person=None)


@bp.get("/people/<int:user_id>")
@admin_only
def show(user_id: int) -> str:
    person = get_or_404(User, user_id)
    history = db.session.scalars(
        scoped(AuditEntry).where(AuditEntry.object_type == "user", AuditEntry.object_id == person.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(50)
    ).all()
    return render_template("app/people/show.html", person=person, history=history,
                           reports=service.reports_of(person), confirm=ConfirmForm())


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(user_id: int) -> str | Response:
    person = get_or_404(User, user_id)
    form = PersonForm(obj=person)
    form.team_id.choices = as_choices(_team_choices("No team"))
    if request.method == "GET":
        form.access_roles.data = person.access_roles
        form.manager_email.data = person.manager.email if person.manager else ""
    if form.validate_on_submit():
        with refusal(form, default="email") as attempt:
            service.update_person(current_user, person, _person_data(form))
        if attempt.ok:
            flash(f"Saved {person.name}.", "success")
            return redirect(url_for("people.show", user_id=person.id))
    return render_template("app/people/form.html", form=form, person=person)


@bp.post("/people/<int:user_id>/<any(deactivate, reactivate, invite):action>")
@admin_only
def act(user_id: int, action: str) -> Response:
    person = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        if action == "deactivate":
            service.deactivate_person(current_user, person)
            message = f"{person.name} is deactivated and can no longer sign in."
        elif action == "reactivate":
            service.reactivate_person(current_user, person)
            message = f"{person.name} is active again."
        else:
            accounts.send_invitation(current_user, person)
            message = f"Invitation sent to {person.email}."
    if attempt.ok:
        flash(message, "success")
    return redirect(url_for("people.show", user_id=person.id))


@bp.route("/teams", methods=["GET", "POST"])
@admin_only
def teams() -> str | Response:
    form = TeamForm()
    form.parent_id.choices = as_choices(_team_choices("Top level"))
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            team = service.save_team(current_user, form.name.data or "", form.parent_id.data)
        if attempt.ok:
            flash(f"Team {team.name} created.", "success")
            return redirect(url_for("people.teams"))
    return render_template("app/people/teams.html", form=form,
                           tree=service.teams_tree(current_company().id), confirm=ConfirmForm())


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_team(team_id: int) -> str | Response:
    team = get_or_404(Team, team_id)
    form = TeamForm(obj=team)
    form.parent_id.choices = as_choices(
        [c for c in _team_choices("Top level") if c[0] != team.id])
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            service.save_team(current_user, form.name.data or "", form.parent_id.data, team)
        if attempt.ok:
            flash(f"Team {team.name} saved.", "success")
            return redirect(url_for("people.teams"))
    return render_template("app/people/team_form.html", form=form, team=team)


@bp.post("/teams/<int:team_id>/delete")
@admin_only
def delete_team(team_id: int) -> Response:
    team = get_or_404(Team, team_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with refusal() as attempt:
        service.delete_team(current_user, team)
    if attempt.ok:
        flash("Team deleted.", "success")
    return redirect(url_for("people.teams"))


@bp.route("/people/import", methods=["GET", "POST"])
@admin_only
def import_upload() -> str | Response | tuple[str, int]:
    form = CsvFileForm()
    if form.validate_on_submit():
        filename = form.file.data.filename or "people.csv"
        text = uploaded_text(form.file)
        if text is not None:
            plan = importer.parse(current_company().id, text)
            if not plan.ok:  # nothing is stored: show every problem at once
                return render_template("app/people/import_preview.html", filename=filename,
                                       plan=plan, confirm=ConfirmForm(), sample=[]), 400
            pending = keep_pending(current_company().id, current_user.id, "people", filename,
                                   text)
            return redirect(url_for("people.import_preview", pending_id=pending.id))
    return render_template("app/people/import.html", form=form, columns=importer.COLUMNS)


@bp.route("/people/import/<int:pending_id>", methods=["GET", "POST"])
@admin_only
def import_preview(pending_id: int) -> str | Response | tuple[str, int]:
    pending = get_or_404(PendingImport, pending_id)
    if pending.kind != "people":
        abort(404)
    # Parsed again: people may have been added since the upload.
    plan = importer.parse(pending.company_id, pending.content)
    confirm = ConfirmForm()
    if request.method == "POST" and confirm.validate_on_submit() and plan.ok:
        count = importer.apply(current_user, plan)
        db.session.delete(pending)
        flash(f"Imported {count} people. Invite them from their pages when you are ready.", "success")
        return redirect(url_for("people.index"))
    return render_template("app/people/import_preview.html", filename=pending.filename,
                           pending=pending, plan=plan, confirm=confirm,
                           sample=plan.rows[:20]), (200 if plan.ok else 400)


@bp.get("/admin/audit")
@admin_only
def audit_log() -> str:
    query = scoped(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    page = db.paginate(query, page=_page(), per_page=50, error_out=False)
    return render_template("app/audit.html", page=page)


@bp.get("/admin/outbox")
@admin_only
def outbox() -> str:
    query = scoped(OutboxMessage).order_by(OutboxMessage.id.desc())
    page = db.paginate(query, page=_page(), per_page=20, error_out=False)
    return render_template("app/outbox.html", page=page,
                           smtp=bool(current_app.config.get("SMTP_HOST")))


def manager_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
