"""Posts and questions pages (routes on the community blueprint): writing, the thread with its
replies (the accepted answer first), votes, accepting, editing with history, hiding, reporting,
and the people picker behind `@[Name]` mentions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm
from app.identity import login_required
from app.models import User
from app.search import contains_text
from app.tenancy import get_or_404
from app.uow import refusal

from . import communities, posts
from .forms import EditPostForm, PostForm, ReasonForm, ReplyForm
from .models import Post, Reply
from .views import bp, load_community


def load_post(post_id: int) -> Post:
    """The post, or 404 when the viewer may not read its community (or it is hidden from them)."""
    post = get_or_404(Post, post_id)
    if not communities.may_read(current_user, post.community):
        abort(404)
    if post.hidden_at is not None and not communities.may_moderate(current_user, post.community) \
            and post.author_id != current_user.id:
        abort(404)
    return post


def load_reply(reply_id: int) -> tuple[Reply, Post]:
    row = get_or_404(Reply, reply_id)
    return row, load_post(row.post_id)


def _thread(post: Post, reply_form: ReplyForm | None = None) -> str:
    moderator = communities.may_moderate(current_user, post.community)
    rows = posts.replies_of(post, show_hidden=moderator)
    mentions = posts.mentioned_names("reply", [r.id for r in rows])
    return render_template(
        "pathways/community/post.html", post=post, community=post.community, replies=rows,
        moderator=moderator, member=communities.is_member(current_user, post.community),
        post_mentions=posts.mentioned_names("post", [post.id]).get(post.id, []),
        mentions=mentions, votes=posts.my_votes(current_user, "reply", [r.id for r in rows]),
        post_vote=posts.my_votes(current_user, "post", [post.id]).get(post.id, 0),
        reply_form=reply_form or ReplyForm(), reason=ReasonForm(), confirm=ConfirmForm(),
        history=len(posts.history("post", post.id)))


@bp.route("/<int:community_id>/posts/new", methods=["GET", "POST"])
@login_required
def new_post(community_id: int) -> Response | str:
    community = load_community(community_id)
    if not communities.may_read(current_user, community):
        abort(404)
    form = PostForm()
    if request.method == "GET" and request.args.get("kind") in posts.KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            post = posts.write_post(current_user, community, form.kind.data or "post",
                                    form.title.data or "", form.body.data or "")
        if attempt.ok:
            flash("Posted.", "success")
            return redirect(url_for("community.post", post_id=post.id))
    return render_template("pathways/community/new_post.html", form=form, community=community)


@bp.get("/posts/<int:post_id>")
@login_required
def post(post_id: int) -> str:
    return _thread(load_post(post_id))


@bp.post("/posts/<int:post_id>/replies")
@login_required
def add_reply(post_id: int) -> Response | tuple[str, int]:
    post = load_post(post_id)
    form = ReplyForm()
    if form.validate_on_submit():
        with refusal(form, default="body") as attempt:
            row = posts.reply(current_user, post, form.body.data or "")
        if attempt.ok:
            return redirect(url_for("community.post", post_id=post.id, _anchor=f"reply-{row.id}"))
    return _thread(post, form), 400


@bp.post("/posts/<int:post_id>/accept/<int:reply_id>")
@login_required
def accept(post_id: int, reply_id: int) -> Response:
    post = load_post(post_id)
    if ConfirmForm().validate_on_submit():
        with refusal() as attempt:
            posts.accept(current_user, post, reply_id)
        if attempt.ok:
            flash("Answer accepted: it is shown first.", "success")
    return redirect(url_for("community.post", post_id=post.id))


def _vote_value() -> int:
    try:
        return int(request.form.get("value", ""))
    except ValueError:
        return 0


@bp.post("/posts/<int:post_id>/vote")
@login_required
def vote_post(post_id: int) -> Response:
    post = load_post(post_id)
    if ConfirmForm().validate_on_submit():
        with refusal():
            posts.vote(current_user, "post", post, post.community, _vote_value())
    return redirect(url_for("community.post", post_id=post.id))


@bp.post("/replies/<int:reply_id>/vote")
@login_required
def vote_reply(reply_id: int) -> Response:
    row, post = load_reply(reply_id)
    if ConfirmForm().validate_on_submit():
        with refusal():
            posts.vote(current_user, "reply", row, post.community, _vote_value())
    return redirect(url_for("community.post", post_id=post.id, _anchor=f"reply-{row.id}"))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int) -> Response | str:
    post = load_post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = EditPostForm(obj=post)
    if form.validate_on_submit():
        with refusal(form, default="title") as attempt:
            posts.edit_post(current_user, post, form.title.data or "", form.body.data or "")
        if attempt.ok:
            flash("Saved; the earlier text is kept in the history.", "success")
            return redirect(url_for("community.post", post_id=post.id))
    return render_template("pathways/community/edit_post.html", form=form, post=post, row=None)


@bp.route("/replies/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit_reply(reply_id: int) -> Response | str:
    row, post = load_reply(reply_id)
    if row.author_id != current_user.id:
        abort(403)
    form = ReplyForm(obj=row)
    if form.validate_on_submit():
        with refusal(form, default="body") as attempt:
            posts.edit_reply(current_user, row, post, form.body.data or "")
        if attempt.ok:
            flash("Saved; the earlier text is kept in the history.", "success")
            return redirect(url_for("community.post", post_id=post.id, _anchor=f"reply-{row.id}"))
    return render_template("pathways/community/edit_post.html", form=form, post=post, row=row)


@bp.get("/posts/<int:post_id>/history")
@login_required
def post_history(post_id: int) -> str:
    post = load_post(post_id)
    target, target_id = ("reply", request.args.get("reply", type=int)) \
        if request.args.get("reply") else ("post", post.id)
    subject: Any = post
    if target == "reply":
        subject, _post = load_reply(target_id or 0)
        if subject.post_id != post.id:
            abort(404)
    return render_template("pathways/community/history.html", post=post, subject=subject,
                           revisions=posts.history(target, subject.id))


def _moderate(post: Post, target_type: str, target: Post | Reply, action: str) -> Response:
    form = ReasonForm()
    if form.validate_on_submit():
        with refusal() as attempt:
            if action == "hide":
                posts.hide(current_user, post.community, target_type, target, form.reason.data)
            else:
                posts.report(current_user, post.community, target_type, target, form.reason.data)
        if attempt.ok:
            flash("Hidden; the reason is in the audit log." if action == "hide" else
                  "Reported: the owners will have a look.", "success")
    else:
        flash("Give a reason.", "error")
    return redirect(url_for("community.post", post_id=post.id))


@bp.post("/posts/<int:post_id>/hide")
@login_required
def hide_post(post_id: int) -> Response:
    post = load_post(post_id)
    return _moderate(post, "post", post, "hide")


@bp.post("/posts/<int:post_id>/report")
@login_required
def report_post(post_id: int) -> Response:
    post = load_post(post_id)
    return _moderate(post, "post", post, "report")


@bp.post("/replies/<int:reply_id>/hide")
@login_required
def hide_reply(reply_id: int) -> Response:
    row, post = load_reply(reply_id)
    return _moderate(post, "reply", row, "hide")


@bp.post("/replies/<int:reply_id>/report")
@login_required
def report_reply(reply_id: int) -> Response:
    row, post = load_reply(reply_id)
    return _moderate(post, "reply", row, "report")


@bp.get("/<int:community_id>/people")
@login_required
def people_picker(community_id: int) -> Response:
    """The people picker: colleagues the viewer may mention here whose name matches ?q=."""
    community = load_community(community_id)
    query = posts.mentionable(current_user, community)
    if q := (request.args.get("q") or "").strip()[:100]:
        query = query.where(contains_text(q, User.name))
    people = db.session.scalars(query.limit(10)).all()
    return jsonify({"items": [{"id": u.id, "name": u.name, "mention": f"@[{u.name}]"}
                              for u in people]})
