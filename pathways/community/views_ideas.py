"""The ideas board pages: the board by status, proposing, an idea with its votes and comments,
and L&D's answer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm, as_choices
from app.identity import login_required
from app.pagination import paginate
from app.tenancy import current_company, get_or_404
from app.uow import refusal
from pathways.capabilities.models import Capability
from pathways.catalogue.models import Offering
from pathways.learning.models import Pathway

from . import ideas, posts
from .forms import CommentForm, IdeaAnswerForm, IdeaForm
from .models import Idea

bp = Blueprint("ideas", __name__, url_prefix="/ideas")


def _capability_choices(form: IdeaForm) -> None:
    form.capability_id.choices = as_choices([("", "— any —")] + [(c.id, c.name) for c in db.session.scalars(
        select(Capability).where(Capability.company_id == current_company().id,
                                 Capability.retired_at.is_(None)).order_by(Capability.name))])


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> Response | str:
    status = request.args.get("status") if request.args.get("status") in ideas.STATUSES else None
    form = IdeaForm()
    _capability_choices(form)
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            idea = ideas.propose(current_user, form.title.data or "", form.why.data or "",
                                 form.capability_id.data)
        if attempt.ok:
            flash("Thanks: colleagues can vote on it now, and L&D will answer.", "success")
            return redirect(url_for("ideas.show", idea_id=idea.id))
    page = paginate(ideas.ideas_query(current_company().id, status), per_page=20)
    return render_template("pathways/community/ideas.html", page=page, status=status, form=form,
                           labels=ideas.STATUS_LABELS, confirm=ConfirmForm(),
                           votes=posts.my_votes(current_user, "idea",
                                                [i.id for i in page.items]))


def _answer_form(idea: Idea) -> IdeaAnswerForm:
    form = IdeaAnswerForm(obj=idea)
    company = current_company().id
    form.offering_id.choices = as_choices([("", "—")] + [(o.id, o.title) for o in db.session.scalars(
        select(Offering).where(Offering.company_id == company, Offering.retired_at.is_(None))
        .order_by(Offering.title).limit(500))])
    form.pathway_id.choices = as_choices([("", "—")] + [(p.id, p.title) for p in db.session.scalars(
        select(Pathway).where(Pathway.company_id == company).order_by(Pathway.title).limit(500))])
    return form


@bp.get("/<int:idea_id>")
@login_required
def show(idea_id: int) -> str:
    idea = get_or_404(Idea, idea_id)
    offering, pathway = ideas.linked_objects(idea)
    return render_template(
        "pathways/community/idea.html", idea=idea, comments=ideas.comments_of(idea),
        comment_form=CommentForm(), answer_form=_answer_form(idea), confirm=ConfirmForm(),
        labels=ideas.STATUS_LABELS, offering=offering, pathway=pathway,
        my_vote=posts.my_votes(current_user, "idea", [idea.id]).get(idea.id, 0))


@bp.post("/<int:idea_id>/vote")
@login_required
def vote(idea_id: int) -> Response:
    idea = get_or_404(Idea, idea_id)
    if ConfirmForm().validate_on_submit():
        with refusal():
            value = int(request.form.get("value", "0")) if request.form.get(
                "value", "").lstrip("-").isdigit() else 0
            posts.vote(current_user, "idea", idea, None, value)
    return redirect(request.form.get("back") == "board" and url_for("ideas.index")
                    or url_for("ideas.show", idea_id=idea.id))


@bp.post("/<int:idea_id>/comments")
@login_required
def add_comment(idea_id: int) -> Response:
    idea = get_or_404(Idea, idea_id)
    form = CommentForm()
    if form.validate_on_submit():
        with refusal() as attempt:
            ideas.comment(current_user, idea, form.body.data or "")
        if attempt.ok:
            flash("Comment added.", "success")
    else:
        flash("Write a comment first.", "error")
    return redirect(url_for("ideas.show", idea_id=idea.id))


@bp.post("/<int:idea_id>/answer")
@login_required
def answer(idea_id: int) -> Response:
    idea = get_or_404(Idea, idea_id)
    form = _answer_form(idea)
    if form.validate_on_submit():
        with refusal() as attempt:
            ideas.answer(current_user, idea, form.status.data or "open", form.response.data,
                         form.offering_id.data, form.pathway_id.data)
        if attempt.ok:
            flash("Answered.", "success")
    else:
        flash("Check the answer's fields.", "error")
    return redirect(url_for("ideas.show", idea_id=idea.id))
