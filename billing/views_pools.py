"""Team pool pages: admins fund a team's pool; managers grant from it to their reports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app.forms import as_choices
from app.identity import roles_required
from app.models import Team, User
from app.money import to_minor
from app.pagination import paginate
from app.tenancy import current_company, get_or_404
from app.uow import refusal

from . import pools, queries
from .forms import PoolFundForm, PoolGrantForm
from .policies import Resolver
from .views import FIELDS, _period, _teams, bp

pool_people = roles_required("admin", "manager")


def _status(form: PoolFundForm | PoolGrantForm) -> int:
    """A refused submission answers 422 with the errors next to the fields."""
    return 422 if request.method == "POST" and form.errors else 200


@bp.route("/budgets/pools", methods=["GET", "POST"])
@pool_people
def pools_page() -> tuple[str, int] | Response:
    company, period, admin = current_company(), _period(), current_user.has_role("admin")
    form = PoolFundForm()
    form.team_id.choices = as_choices([("", "Choose a team")] + [(t.id, t.name) for t in _teams()])
    if request.method == "POST":
        if not admin:
            abort(403)
        if form.validate_on_submit():
            if form.team_id.data is None:
                form.team_id.errors = ["Choose the team whose pool you fund."]
            else:
                team = get_or_404(Team, form.team_id.data)
                # A refusal rolls back what was made on the way (e.g. the empty pool).
                with refusal(form, default="amount", fields=FIELDS) as attempt:
                    amount = to_minor(form.amount.data, company.currency, "amount_minor")
                    pools.fund(current_user, team, -amount if form.direction.data == "deduct"
                               else amount, form.reason.data or "", f"web:{form.key.data}",
                               period)
                if attempt.ok:
                    flash(f"The {period.label} pool of {team.name} is updated.", "success")
                    return redirect(url_for("billing.pools_page",
                                            period=period.start.isoformat()))
    rows = queries.pool_rows(company.id, period,
                             None if admin else pools.managed_team_ids(current_user))
    resolver = Resolver(company.id)
    return render_template("billing/pools.html", period=period, rows=rows, form=form,
                           enabled={r.id: resolver.pools_enabled(r.id) for r in rows},
                           admin=admin), _status(form)


@bp.route("/budgets/pools/<int:team_id>", methods=["GET", "POST"])
@pool_people
def pool_page(team_id: int) -> tuple[str, int] | Response:
    team, period = get_or_404(Team, team_id), _period()
    if not pools.can_manage(current_user, team):
        abort(403)
    people = pools.eligible_people(current_user, team)
    form = PoolGrantForm()
    form.employee_id.choices = as_choices([("", "Choose a person")]
                                       + [(p.id, p.name) for p in people])
    if form.validate_on_submit():
        if form.employee_id.data is None:
            form.employee_id.errors = ["Choose whom to grant to."]
        else:
            person = get_or_404(User, form.employee_id.data)
            # A refusal rolls back what was made on the way (e.g. the empty budget).
            with refusal(form, default="amount", fields=FIELDS) as attempt:
                pools.grant(current_user, team, person,
                            to_minor(form.amount.data, current_company().currency, "amount_minor"),
                            form.reason.data or "", f"web:{form.key.data}", period)
            if attempt.ok:
                flash(f"{person.name} got it; their budget shows the grant.", "success")
                return redirect(url_for("billing.pool_page", team_id=team.id,
                                        period=period.start.isoformat()))
    row = queries.pool_rows(team.company_id, period, [team.id])[0]
    pool = pools.find_pool(team.company_id, team.id, period)
    return render_template(
        "billing/pool.html", team=team, period=period, row=row, form=form, people=people,
        enabled=Resolver(team.company_id).pools_enabled(team.id),
        page=paginate(queries.pool_transactions(pool.account_id if pool else None), rows=True),
        page_args=MultiDict({"team_id": team.id, "period": period.start.isoformat()})), _status(form)
