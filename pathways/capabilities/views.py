"""People's pages: my capabilities and gaps, the manager's team heatmap and ratings, rating
requests, and company coverage for admins and executives."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import MANAGER, SELF, may_rate, may_see
from app.errors import ValidationError
from app.extensions import db
from app.forms import Form
from app.identity import login_required, roles_required
from app.models import Team, User
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal

from . import charts, gaps, levels, ratings, roles
from .forms import AssessForm, RequestForm, TargetForm
from .models import Capability, Category, Framework, RatingRequest, Role

bp = Blueprint("capabilities", __name__)
MIN_GROUP = 5  # team aggregates are hidden below 5 people


def _choices(person: User, role_gaps: list[gaps.Gap], extra: list[int]) -> list[tuple[int, str]]:
    ids = {g.capability_id for g in role_gaps} | set(extra)
    if not ids:
        return []
    return [(c.id, c.name) for c in db.session.scalars(select(Capability).where(
        Capability.company_id == person.company_id, Capability.id.in_(ids),
        Capability.retired_at.is_(None)).order_by(Capability.name))]


def _level_choices(company_id: int) -> list[tuple[int, str]]:
    fw = db.session.scalar(scoped(Framework, company_id).order_by(Framework.id).limit(1))
    return [(lv.level, f"{lv.level} · {lv.name}") for lv in (fw.scale.levels if fw else [])]


def _first_error(form: Form, default: str) -> str:
    """What to say about a refused form: a text field's own error (a note too long, a NUL
    character), else `default` (a capability or level not chosen)."""
    return next((errors[0] for name, errors in form.errors.items()
                 if errors and name not in ("capability_id", "level", "csrf_token")), default)


def _profile(person: User) -> dict[str, Any]:
    """Everything the capability page of one person shows."""
    assignment = roles.assignment(person)
    role = assignment.role if assignment else None
    target = assignment.target_role if assignment else None
    current_gaps, target_gaps = gaps.gaps(person, role), gaps.gaps(person, target)
    views = levels.levels_of(person)
    top = max([v.capability.framework.scale.max_level for v in views.values()]
              + [5 if current_gaps or target_gaps else 0])
    return {
        "person": person, "role": role, "target": target, "levels": sorted(
            views.values(), key=lambda v: (-v.level, v.capability.name)),
        "current_gaps": current_gaps, "target_gaps": target_gaps,
        "readiness": gaps.readiness_of(current_gaps),
        "target_readiness": gaps.readiness_of(target_gaps),
        # Gaps exist only against a role, so `role`/`target` is set whenever its gaps are.
        "current_chart": charts.gap_chart(current_gaps, top, f"{person.name}: levels against "
                                          f"{role.title}") if current_gaps and role else None,
        "target_chart": charts.gap_chart(target_gaps, top, f"{person.name}: levels against "
                                         f"{target.title}") if target_gaps and target else None,
        "choices": _choices(person, current_gaps + target_gaps, list(views)),
    }


@bp.get("/me/capabilities")
@login_required
def mine() -> str:
    context = _profile(current_user)
    assess, ask, target = AssessForm(prefix="self"), RequestForm(prefix="ask"), TargetForm()
    assess.capability_id.choices = ask.capability_id.choices = context["choices"]
    assess.level.choices = _level_choices(current_user.company_id)
    role = context["role"]
    target.target_role_id.choices = [("", "No target role"), *(
        (r.id, r.title) for r in roles.moves_from(role.id if role else None))]
    target.target_role_id.data = context["target"].id if context["target"] else ""
    return render_template("pathways/capabilities/me.html", assess=assess, ask=ask, target_form=target,
                           requests=ratings.open_for(current_user), **context)


def _back(message: str | None = None) -> Response:
    """Back to My capabilities, with `message` when the work was saved."""
    if message:
        flash(message, "success")
    return redirect(url_for("capabilities.mine"))


@bp.post("/me/capabilities/assess")
@login_required
def self_assess() -> Response:
    form = AssessForm(prefix="self")
    form.capability_id.choices = form.level.choices = []
    if not form.validate_on_submit():
        flash(_first_error(form, "Choose a capability and a level."), "error")
        return _back()
    cap = get_or_404(Capability, form.capability_id.data)
    with refusal() as attempt:
        levels.record_evidence(current_user, current_user, cap, form.level.data or 0, SELF,
                               note=form.note.data)
    return _back(f"Self-assessment of {cap.name} saved. Trusted ratings, when there are any, "
                 "still decide your level." if attempt.ok else None)


def _rater(email: str | None) -> User | None:
    """The colleague with that e-mail (None: ask the line manager)."""
    if not email:
        return None
    email = email.strip().lower()
    rater: User | None = db.session.scalar(scoped(User).where(User.email == email))
    if rater is None:
        raise ValidationError(f"Nobody in {current_company().name} has the e-mail {email}.",
                              "rater_email")
    return rater


@bp.post("/me/capabilities/request")
@login_required
def request_rating() -> Response:
    form = RequestForm(prefix="ask")
    form.capability_id.choices = []
    if not form.validate_on_submit():
        flash(_first_error(form, "Choose a capability to be rated."), "error")
        return _back()
    cap = get_or_404(Capability, form.capability_id.data)
    with refusal() as attempt:
        req = ratings.request_rating(current_user, cap, _rater(form.rater_email.data),
                                     form.note.data)
    return _back(f"{req.rater.name} is asked to rate {cap.name}." if attempt.ok else None)


@bp.post("/me/capabilities/target")
@login_required
def choose_target() -> Response:
    form = TargetForm()
    form.target_role_id.choices = []
    if not form.validate_on_submit():
        abort(400)
    target = get_or_404(Role, form.target_role_id.data) if form.target_role_id.data else None
    with refusal() as attempt:
        roles.set_target(current_user, current_user, target)
    if not attempt.ok:
        return _back()
    return _back(f"Target role: {target.title}." if target else "Target role cleared.")


# --- managers ----------------------------------------------------------------------------------

@bp.get("/team/capabilities")
@roles_required("manager")
def team() -> str:
    page = db.paginate(gaps.team_query(current_user), page=max(1, request.args.get(
        "page", 1, type=int) or 1), per_page=40, error_out=False, count=False)
    page.total = gaps.team_size(current_user)  # a plain count uses the manager_id index
    heat = gaps.team_heatmap(current_user, page.items)
    return render_template("pathways/capabilities/team.html", heat=heat, page=page,
                           requests=ratings.open_for(current_user), heat_class=gaps.heat_class)


@bp.route("/team/people/<int:user_id>/capabilities", methods=["GET", "POST"])
@roles_required("manager")
def rate(user_id: int) -> str | Response:
    person = get_or_404(User, user_id)
    if not may_rate(current_user, person, MANAGER):
        abort(403)
    context = _profile(person)
    form = AssessForm()
    form.capability_id.choices = context["choices"]
    form.level.choices = _level_choices(person.company_id)
    if form.validate_on_submit():
        cap = get_or_404(Capability, form.capability_id.data)
        with refusal(form, default="level") as attempt:
            ratings.rate(current_user, person, cap, form.level.data or 0, MANAGER,
                         note=form.note.data)
        if attempt.ok:
            flash(f"Rated {person.name}'s {cap.name}.", "success")
            return redirect(url_for("capabilities.rate", user_id=person.id))
    return render_template("pathways/capabilities/rate.html", form=form, **context)


@bp.route("/rating-requests/<int:request_id>", methods=["GET", "POST"])
@login_required
def answer(request_id: int) -> str | Response:
    req = get_or_404(RatingRequest, request_id)
    if req.rater_id != current_user.id:
        abort(403)
    form = AssessForm()
    form.capability_id.choices = [(req.capability_id, req.capability.name)]
    form.capability_id.data = req.capability_id
    form.level.choices = [(lv.level, f"{lv.level} · {lv.name}")
                          for lv in req.capability.framework.scale.levels]
    if form.validate_on_submit():
        with refusal(form, default="level") as attempt:
            ratings.answer(current_user, req, form.level.data or 0, form.note.data)
        if attempt.ok:
            flash(f"Thank you: {req.user.name}'s {req.capability.name} is rated.", "success")
            return redirect(url_for("home.index"))
    # A peer answers without reading the person's levels (the access policy's `may_see`).
    may_read = may_see(current_user, req.user)
    view = (levels.levels_of(req.user, [req.capability_id]).get(req.capability_id)
            if may_read else None)
    return render_template("pathways/capabilities/answer.html", req=req, form=form, view=view,
                           may_read=may_read, source=ratings.source_for(current_user, req.user))


# --- admins and executives ---------------------------------------------------------------------

@bp.get("/capabilities/coverage")
@roles_required("admin", "executive")
def coverage() -> str:
    company = current_company()
    args = request.args
    team_id, role_id, category_id = (args.get("team", type=int), args.get("role", type=int),
                                     args.get("category", type=int))
    team_ids = gaps.team_and_descendants(company.id, team_id) if team_id else None
    rows = gaps.coverage(company.id, team_ids, role_id, category_id)
    per_team: dict[int | None, list[int]] = {}
    for r in gaps.coverage(company.id, team_ids, role_id, category_id, by_team=True):
        totals = per_team.setdefault(r.group, [0, 0])
        totals[0] += r.required
        totals[1] += r.met
    people = gaps.people_per_team(company.id, role_id)
    teams = {t.id: t for t in db.session.scalars(scoped(Team).order_by(Team.name))}
    team_rows = sorted(
        ({"name": teams[tid].name if tid in teams else "No team", "people": people.get(tid, 0),
          "required": req, "met": met, "hidden": people.get(tid, 0) < MIN_GROUP}
         for tid, (req, met) in per_team.items()), key=lambda r: (r["name"] == "No team",
                                                                  r["name"]))
    return render_template(
        "pathways/capabilities/coverage.html", rows=rows, args=args, teams=teams, team_rows=team_rows,
        min_group=MIN_GROUP,
        chart=charts.coverage_bars(rows[:25], "Coverage of the 25 least covered capabilities")
        if rows else None,
        roles=db.session.scalars(scoped(Role).order_by(Role.title)).all(),
        categories=db.session.execute(
            select(Category.id, Category.name, Framework.name)
            .join(Framework, Framework.id == Category.framework_id)
            .where(Category.company_id == company.id)
            .order_by(Framework.name, Category.position, Category.name)).all())
