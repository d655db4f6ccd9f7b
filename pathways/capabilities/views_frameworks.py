"""Admin pages: scales, frameworks, capabilities, and the framework import and export."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.csvout import csv_response
from app.extensions import db
from app.forms import ConfirmForm
from app.identity import roles_required
from app.imports import keep_pending, uploaded_text
from app.models import PendingImport
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal

from . import framework_export, framework_import, frameworks
from .forms import CapabilityForm, FrameworkForm, FrameworkImportForm, ScaleChangeForm, ScaleForm
from .models import Capability, Framework, Scale

bp = Blueprint("frameworks", __name__)
admin_only = roles_required("admin")


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _scale_choices() -> list[tuple[object, str]]:
    return [("", "Choose a scale")] + [
        (s.id, f"{s.name} (1–{s.max_level})")
        for s in db.session.scalars(scoped(Scale).order_by(Scale.name))]


@bp.route("/frameworks", methods=["GET", "POST"])
@admin_only
def index() -> str | Response:
    form, scale_form = FrameworkForm(prefix="fw"), ScaleForm(prefix="scale")
    form.scale_id.choices = _scale_choices()
    if "fw-name" in request.form and form.validate_on_submit():
        scale = get_or_404(Scale, form.scale_id.data)
        with refusal(form, default="name") as attempt:
            fw = frameworks.create_framework(current_user, form.name.data or "", scale,
                                             form.description.data)
        if attempt.ok:
            flash(f"Framework {fw.name} created; add capabilities or import them.", "success")
            return redirect(url_for("frameworks.show", framework_id=fw.id))
    if "scale-name" in request.form and scale_form.validate_on_submit():
        with refusal(scale_form, default="name") as attempt:
            new_scale = frameworks.create_scale(
                current_user, scale_form.name.data or "",
                frameworks.parse_levels(scale_form.levels.data or ""))
        if attempt.ok:
            flash(f"Scale {new_scale.name} created.", "success")
            return redirect(url_for("frameworks.index"))
    company = current_company()
    counts = dict(db.session.execute(
        select(Capability.framework_id, func.count()).where(
            Capability.company_id == company.id, Capability.retired_at.is_(None))
        .group_by(Capability.framework_id)).all())
    return render_template(
        "pathways/capabilities/frameworks/index.html", form=form, scale_form=scale_form, counts=counts,
        frameworks=db.session.scalars(scoped(Framework).order_by(Framework.name)).all(),
        scales=db.session.scalars(scoped(Scale).order_by(Scale.name)).all())


@bp.route("/frameworks/<int:framework_id>", methods=["GET", "POST"])
@admin_only
def show(framework_id: int) -> str | Response:
    fw = get_or_404(Framework, framework_id)
    form = CapabilityForm()
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            cap = frameworks.create_capability(current_user, fw, _capability_data(form))
        if attempt.ok:
            flash(f"Capability {cap.name} added.", "success")
            return redirect(url_for("frameworks.show", framework_id=fw.id))
    args = request.args
    query = frameworks.capability_query(fw.company_id, args.get("q"), fw.id,
                                        args.get("category", type=int),
                                        include_retired=args.get("retired") == "1")
    page = db.paginate(query, page=_page(), per_page=50, error_out=False)
    return render_template("pathways/capabilities/frameworks/show.html", framework=fw, page=page, form=form,
                           categories=frameworks.categories_of(fw), args=args)


def _capability_data(form: CapabilityForm) -> frameworks.CapabilityData:
    lines = (form.descriptors.data or "").splitlines()
    return frameworks.CapabilityData(
        category=form.category.data or "", name=form.name.data or "",
        description=form.description.data, external_id=form.external_id.data,
        descriptors={str(i): line for i, line in enumerate(lines, start=1) if line.strip()})


@bp.route("/capabilities/<int:capability_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_capability(capability_id: int) -> str | Response:
    cap = get_or_404(Capability, capability_id)
    form = CapabilityForm(obj=cap)
    if request.method == "GET":
        form.category.data = cap.category.name
        d = cap.descriptors or {}
        form.descriptors.data = "\n".join(d.get(str(i), "")
                                          for i in range(1, cap.framework.scale.max_level + 1))
    if form.validate_on_submit():
        with refusal(form, default="name") as attempt:
            frameworks.update_capability(current_user, cap, _capability_data(form))
        if attempt.ok:
            flash(f"Saved {cap.name}.", "success")
            return redirect(url_for("frameworks.show", framework_id=cap.framework_id))
    return render_template("pathways/capabilities/frameworks/capability.html", form=form, capability=cap,
                           confirm=ConfirmForm())


@bp.post("/capabilities/<int:capability_id>/<any(retire, restore):action>")
@admin_only
def retire(capability_id: int, action: str) -> Response:
    cap = get_or_404(Capability, capability_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    frameworks.set_retired(current_user, cap, action == "retire")
    done = ("retired: it keeps its evidence and takes no new ratings" if action == "retire"
            else "is back in use")
    flash(f"{cap.name} {done}.", "success")
    return redirect(url_for("frameworks.edit_capability", capability_id=cap.id))


@bp.get("/frameworks/<int:framework_id>/export.<any(csv, json):fmt>")
@admin_only
def export(framework_id: int, fmt: str) -> Response:
    fw = get_or_404(Framework, framework_id)
    filename = "".join(ch if ch.isalnum() else "-" for ch in fw.name.lower()) + f".{fmt}"
    if fmt == "csv":
        header, rows = framework_export.export_rows(fw)
        return csv_response(filename, header, rows)
    body = json.dumps(framework_export.export_json(fw), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/frameworks/<int:framework_id>/scale", methods=["GET", "POST"])
@admin_only
def change_scale(framework_id: int) -> str | Response:
    fw = get_or_404(Framework, framework_id)
    form = ScaleChangeForm()
    form.scale_id.choices = [c for c in _scale_choices() if c[0] != fw.scale_id]
    target = get_or_404(Scale, form.scale_id.data) if form.scale_id.data else None
    if target is not None and "map-1" in request.form and form.validate_on_submit():
        mapping = {lv.level: request.form.get(f"map-{lv.level}", type=int) or 0
                   for lv in fw.scale.levels}
        with refusal(form, default="scale_id") as attempt:
            count = frameworks.change_scale(current_user, fw, target, mapping)
        if attempt.ok:
            flash(f"{fw.name} now uses {target.name}; {count} ratings were translated.",
                  "success")
            return redirect(url_for("frameworks.show", framework_id=fw.id))
    return render_template("pathways/capabilities/frameworks/scale.html", framework=fw, form=form,
                           target=target)


@bp.route("/frameworks/import", methods=["GET", "POST"])
@admin_only
def import_upload() -> str | Response:
    form = FrameworkImportForm()
    if form.validate_on_submit():
        text = uploaded_text(form.file)
        if text is not None:
            pending = keep_pending(
                current_company().id, current_user.id, "framework",
                form.file.data.filename or "framework.csv", text,
                options={"framework": (form.framework.data or "").strip() or None,
                         "scale": (form.scale.data or "").strip() or None})
            return redirect(url_for("frameworks.import_preview", pending_id=pending.id))
    return render_template("pathways/capabilities/frameworks/import.html", form=form,
                           columns=framework_import.BASE_COLUMNS)


@bp.route("/frameworks/import/<int:pending_id>", methods=["GET", "POST"])
@admin_only
def import_preview(pending_id: int) -> str | Response:
    pending = get_or_404(PendingImport, pending_id)
    if pending.kind != "framework":
        abort(404)
    options = pending.options or {}
    plan = framework_import.parse(pending.company_id, pending.content, pending.filename,
                                  options.get("framework"), options.get("scale"))
    confirm = ConfirmForm()
    if request.method == "POST" and confirm.validate_on_submit() and plan.ok:
        fw = framework_import.apply(current_user, plan)
        db.session.delete(pending)
        flash(f"Imported {len(plan.rows)} capabilities into {fw.name}: {plan.creates} new, "
              f"{plan.updates} changed, {plan.unchanged} unchanged.", "success")
        return redirect(url_for("frameworks.show", framework_id=fw.id))
    return render_template("pathways/capabilities/frameworks/import_preview.html", pending=pending,
                           plan=plan, confirm=confirm, sample=plan.rows[:20])
