"""Community pages: the directory, proposing and changing a community, its page (members,
experts, mentors, offerings, pathways, posts, events), membership, approval and settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm, as_choices
from app.identity import login_required
from app.models import User, UserStatus
from app.pagination import paginate
from app.search import contains_text
from app.tenancy import current_company, get_or_404
from app.uow import refusal
from pathways.capabilities.models import Capability

from . import communities, directory, events, posts
from .communities import CommunityData
from .forms import CommunityForm, DecisionForm, MemberForm, PostForm, SettingsForm
from .models import Community, CommunityStatus, Membership, MemberStatus

bp = Blueprint("community", __name__, url_prefix="/communities")


def load_community(community_id: int) -> Community:
    """The community, or 404 when it is another company's or the viewer may not know of it."""
    community = get_or_404(Community, community_id)
    if not communities.may_view(current_user, community):
        abort(404)
    return community


def _capability_choices(form: CommunityForm) -> None:
    form.capability_ids.choices = as_choices([(c.id, c.name) for c in db.session.scalars(
        select(Capability).where(Capability.company_id == current_company().id,
                                 Capability.retired_at.is_(None)).order_by(Capability.name))])


def _member_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Membership.community_id, func.count()).where(
        Membership.community_id.in_(ids), Membership.status == MemberStatus.MEMBER.value)
        .group_by(Membership.community_id)).all())


@bp.get("")
@login_required
def index() -> str:
    """Every community the viewer may see; ?capability= the ones about a capability."""
    query = select(Community).where(communities.visible_communities(current_user))
    capability = None
    if request.args.get("capability"):
        capability = get_or_404(Capability, request.args.get("capability"))
        query = query.where(Community.id.in_(directory.communities_about(capability.id)))
    if q := (request.args.get("q") or "").strip()[:100]:
        query = query.where(contains_text(q, Community.name, Community.topic))
    page = paginate(query.order_by(Community.name), per_page=24)
    ids = [c.id for c in page.items]
    mine = {m.community_id: m for m in db.session.scalars(select(Membership).where(
        Membership.user_id == current_user.id, Membership.community_id.in_(ids)))} if ids else {}
    return render_template("pathways/community/index.html", page=page, capability=capability,
                           q=q, counts=_member_counts(ids), mine=mine)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str:
    form = CommunityForm()
    _capability_choices(form)
    if request.method == "GET" and (wanted := request.args.get("capability", "")).isdigit():
        form.capability_ids.data = [int(wanted)]
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            community = communities.propose(current_user, _data(form))
        if attempt.ok:
            if community.active:
                flash(f"{community.name} is open. Invite colleagues or write the first post.",
                      "success")
            else:
                flash("Proposed: an admin approves new communities; you will see it here.",
                      "success")
            return redirect(url_for("community.show", community_id=community.id))
    waits = communities.settings_of(current_company().id).require_approval and \
        not current_user.has_role("admin")
    return render_template("pathways/community/edit.html", form=form, community=None,
                           waits=waits)


def _data(form: CommunityForm) -> CommunityData:
    return CommunityData(form.name.data or "", form.description.data or "", form.topic.data,
                         form.visibility.data or "open", list(form.capability_ids.data or []))


@bp.route("/<int:community_id>/edit", methods=["GET", "POST"])
@login_required
def edit(community_id: int) -> Response | str:
    community = load_community(community_id)
    if not communities.may_moderate(current_user, community):
        abort(403)
    form = CommunityForm(obj=community)
    _capability_choices(form)
    if request.method == "GET":
        form.capability_ids.data = [c.id for c in community.capabilities]
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            communities.update(current_user, community, _data(form))
        if attempt.ok:
            flash("Saved.", "success")
            return redirect(url_for("community.show", community_id=community.id))
    return render_template("pathways/community/edit.html", form=form, community=community,
                           waits=False)


def _page_context(community: Community) -> dict[str, Any]:
    readable = communities.may_read(current_user, community)
    kind = request.args.get("kind") if request.args.get("kind") in posts.KINDS else None
    page = paginate(posts.posts_query(community, kind), per_page=20) if readable else None
    questions, answered = posts.counts(community) if readable else (0, 0)
    return {
        "community": community, "membership": communities.membership(current_user, community),
        "readable": readable, "moderator": communities.may_moderate(current_user, community),
        "member_count": communities.member_count(community),
        "members": db.session.scalars(directory.members_query(community).limit(12)).all(),
        "experts": directory.experts(community), "mentors": directory.mentors(community),
        "offerings": directory.offerings(community), "pathways": directory.pathways(community),
        "page": page, "kind": kind, "questions": questions, "answered": answered,
        "events": events.upcoming(community) if readable else [],
        "confirm": ConfirmForm(), "post_form": PostForm(),
        "decision": DecisionForm(), "tz": events.viewer_zone(current_user),
    }


@bp.get("/<int:community_id>")
@login_required
def show(community_id: int) -> str:
    return render_template("pathways/community/show.html",
                           **_page_context(load_community(community_id)))


@bp.post("/<int:community_id>/join")
@login_required
def join(community_id: int) -> Response:
    community = load_community(community_id)
    if ConfirmForm().validate_on_submit():
        with refusal() as attempt:
            m = communities.join(current_user, community)
        if attempt.ok:
            flash(f"Welcome to {community.name}." if m.status == MemberStatus.MEMBER.value
                  else "Asked to join: an owner will admit you.", "success")
    return redirect(url_for("community.show", community_id=community.id))


@bp.post("/<int:community_id>/leave")
@login_required
def leave(community_id: int) -> Response:
    community = load_community(community_id)
    if ConfirmForm().validate_on_submit():
        with refusal() as attempt:
            communities.remove_member(current_user, community, current_user.id)
        if attempt.ok:
            flash(f"You left {community.name}.", "success")
            if not communities.may_view(current_user, community):
                return redirect(url_for("community.index"))
    return redirect(url_for("community.show", community_id=community.id))


def _invite_choices(form: MemberForm, community: Community) -> None:
    inside = select(Membership.user_id).where(Membership.community_id == community.id)
    form.user_id.choices = as_choices([("", "—")] + [(u.id, u.name) for u in db.session.scalars(
        select(User).where(User.company_id == community.company_id,
                           User.status == UserStatus.ACTIVE.value, User.id.not_in(inside))
        .order_by(User.name).limit(500))])


@bp.get("/<int:community_id>/members")
@login_required
def members(community_id: int) -> str:
    community = load_community(community_id)
    moderator = communities.may_moderate(current_user, community)
    form = MemberForm()
    if moderator:
        _invite_choices(form, community)
    page = paginate(directory.members_query(community), per_page=50)
    waiting = {s: db.session.scalars(directory.members_query(community, s)).all()
               for s in (MemberStatus.REQUESTED.value, MemberStatus.INVITED.value)} \
        if moderator else {}
    return render_template("pathways/community/members.html", community=community, page=page,
                           moderator=moderator, form=form, waiting=waiting, confirm=ConfirmForm())


@bp.post("/<int:community_id>/members")
@login_required
def add_member(community_id: int) -> Response:
    community = load_community(community_id)
    form = MemberForm()
    if moderator := communities.may_moderate(current_user, community):
        _invite_choices(form, community)
        # An admitted request is not among the invite choices; accept any id the service checks.
        form.user_id.choices = None
        form.user_id.validate_choice = False
    if not moderator:
        abort(403)
    if form.validate_on_submit() and form.user_id.data:
        with refusal() as attempt:
            m = communities.add_member(current_user, community, form.user_id.data)
        if attempt.ok:
            flash("Admitted." if m.status == MemberStatus.MEMBER.value else
                  "Invited: they see the community and join it from its page.", "success")
    return redirect(url_for("community.members", community_id=community.id))


@bp.post("/<int:community_id>/members/<int:user_id>/remove")
@login_required
def remove_member(community_id: int, user_id: int) -> Response:
    community = load_community(community_id)
    if ConfirmForm().validate_on_submit():
        with refusal() as attempt:
            communities.remove_member(current_user, community, user_id)
        if attempt.ok:
            flash("Removed.", "success")
    return redirect(url_for("community.members", community_id=community.id))


@bp.post("/<int:community_id>/members/<int:user_id>/owner")
@login_required
def make_owner(community_id: int, user_id: int) -> Response:
    community = load_community(community_id)
    if ConfirmForm().validate_on_submit():
        with refusal() as attempt:
            communities.set_owner(current_user, community, user_id, True)
        if attempt.ok:
            flash("They are an owner now.", "success")
    return redirect(url_for("community.members", community_id=community.id))


@bp.post("/<int:community_id>/decide")
@login_required
def decide(community_id: int) -> Response:
    community = load_community(community_id)
    form = DecisionForm()
    if form.validate_on_submit():
        with refusal() as attempt:
            communities.decide(current_user, community, request.form.get("approve") == "1",
                               form.reason.data or "")
        if attempt.ok:
            flash("Approved: the community is open." if community.active else "Declined.",
                  "success")
    return redirect(url_for("community.show", community_id=community.id))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Response | str:
    if not current_user.has_role("admin"):
        abort(403)
    company = current_company()
    form = SettingsForm(obj=communities.settings_of(company.id))
    if form.validate_on_submit():
        with refusal(form, default="require_approval") as attempt:
            communities.save_settings(current_user, bool(form.require_approval.data))
        if attempt.ok:
            flash("Saved.", "success")
            return redirect(url_for("community.settings"))
    pending = db.session.scalars(select(Community).where(
        Community.company_id == company.id,
        Community.status == CommunityStatus.PENDING.value).order_by(Community.created_at)).all()
    return render_template("pathways/community/settings.html", form=form, pending=pending)
