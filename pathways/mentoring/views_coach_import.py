"""Admins import external coaches from CSV: upload, preview (every bad row named), confirm.

Routes join the `mentors` blueprint (/mentoring/coaches/import…), beside the coaches list.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import ConfirmForm, CsvFileForm
from app.identity import roles_required
from app.imports import keep_pending, uploaded_text
from app.models import PendingImport
from app.tenancy import current_company, get_or_404

from . import coach_import
from .views_mentors import bp

KIND = "coaches"


@bp.route("/coaches/import", methods=["GET", "POST"])
@roles_required("admin")
def import_coaches() -> str | Response | tuple[str, int]:
    form = CsvFileForm()
    if form.validate_on_submit():
        filename = form.file.data.filename or "coaches.csv"
        text = uploaded_text(form.file)
        if text is not None:
            company_id = current_company().id
            plan = coach_import.parse(company_id, text)
            if not plan.ok:
                return render_template("pathways/mentoring/coach_import_preview.html",
                                       plan=plan, filename=filename, pending=None,
                                       confirm=ConfirmForm()), 400
            # One pending file per admin: a new upload replaces the previous one.
            pending = keep_pending(company_id, current_user.id, KIND, filename, text)
            return redirect(url_for("mentors.import_coaches_preview", pending_id=pending.id))
    return render_template("pathways/mentoring/coach_import.html", form=form,
                           columns=coach_import.COLUMNS, currency=current_company().currency), (
        400 if request.method == "POST" else 200)


@bp.route("/coaches/import/<int:pending_id>", methods=["GET", "POST"])
@roles_required("admin")
def import_coaches_preview(pending_id: int) -> str | Response | tuple[str, int]:
    pending = get_or_404(PendingImport, pending_id)
    if pending.kind != KIND:
        abort(404)
    plan = coach_import.parse(pending.company_id, pending.content)
    confirm = ConfirmForm()
    if request.method == "POST" and confirm.validate_on_submit() and plan.ok:
        count = coach_import.apply(current_user, plan)
        db.session.delete(pending)
        flash(f"Imported {count} coaches ({plan.creates} new, {plan.updates} updated). Add "
              "their weekly hours so people can book them.", "success")
        return redirect(url_for("mentors.coaches", kind="external"))
    return render_template("pathways/mentoring/coach_import_preview.html", plan=plan,
                           filename=pending.filename, pending=pending, confirm=confirm), (
        200 if plan.ok else 400)
