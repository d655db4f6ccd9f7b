"""Budget pages: overview and allocation table, policies, a person's budget, the wallet."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app.access import may_manage, may_see
from app.csvout import csv_response
from app.errors import DomainError
from app.extensions import db
from app.forms import as_choices
from app.identity import login_required, roles_required
from app.models import Team, User
from app.money import from_minor, money, to_minor
from app.pagination import paginate
from app.tenancy import current_company, get_or_404, scoped
from app.uow import refusal

from . import budgets, policies, queries, wallet
from .forms import AdjustmentForm, AllocateForm, PolicyForm, TransferForm
from .models import BudgetPolicy
from .policies import PolicyData, parse_period

bp = Blueprint("billing", __name__)
admin_only = roles_required("admin")


def _period() -> policies.Period:
    try:
        return parse_period(current_company(), request.args.get("period"), date.today())
    except DomainError:
        abort(404)


def _teams() -> list[Team]:
    return list(db.session.scalars(scoped(Team).order_by(Team.name)))


# Service field names → the form fields that show their errors.
FIELDS = {"amount_minor": "amount", "annual_allowance_minor": "annual_allowance",
          "rollover_cap_minor": "rollover_cap"}


@bp.get("/budgets")
@admin_only
def index() -> str:
    company, period = current_company(), _period()
    rows = queries.allocation_rows(company.id, period, request.args.get("q"),
                                   request.args.get("team", type=int))
    return render_template(
        "billing/index.html", period=period, page=paginate(rows, rows=True), teams=_teams(),
        totals=queries.company_balances(company.id, company.currency, period),
        wallet=wallet.wallet_balances(company.id), args=request.args,
        allocate=AllocateForm(period=period.start.isoformat()),
        pools=queries.pool_rows(company.id, period),
        has_policy=db.session.scalar(scoped(BudgetPolicy).limit(1)) is not None)


@bp.post("/budgets/allocate")
@admin_only
def allocate() -> Response:
    form = AllocateForm()
    if not form.validate_on_submit():
        abort(400)
    company = current_company()
    period = parse_period(company, form.period.data, date.today())
    run = budgets.run_allocation(current_user, company, period, min(date.today(), period.end),
                                 key=f"web:{form.key.data}")
    if run.people:
        flash(f"{period.label}: allocated {money(run.allocated_minor, company.currency)} to "
              f"{run.people} people.", "success")
    else:
        flash(f"{period.label}: everyone already has what their policy gives them.", "info")
    return redirect(url_for("billing.index", period=period.start.isoformat()))


@bp.get("/budgets/policies")
@admin_only
def policy_list() -> str:
    rows = db.session.scalars(scoped(BudgetPolicy).order_by(BudgetPolicy.scope,
                                                            BudgetPolicy.scope_key)).all()
    return render_template("billing/policies.html", policies=rows,
                           teams={t.id: t.name for t in _teams()})


@bp.route("/budgets/policies/new", methods=["GET", "POST"])
@bp.route("/budgets/policies/<int:policy_id>", methods=["GET", "POST"])
@admin_only
def policy_edit(policy_id: int | None = None) -> str | Response:
    policy = get_or_404(BudgetPolicy, policy_id) if policy_id is not None else None
    currency = current_company().currency
    form = PolicyForm(obj=policy)
    form.team_id.choices = as_choices([("", "Choose a team")] + [(t.id, t.name) for t in _teams()])
    if request.method == "GET" and policy is not None:
        form.annual_allowance.data = from_minor(policy.annual_allowance_minor, currency)
        form.rollover_cap.data = from_minor(policy.rollover_cap_minor, currency)
    if form.validate_on_submit():
        with refusal(form, default="scope", fields=FIELDS) as attempt:
            policies.save_policy(current_user, _policy_data(form, currency), policy)
        if attempt.ok:
            flash("Policy saved. Run the allocation to apply it.", "success")
            return redirect(url_for("billing.policy_list"))
    return render_template("billing/policy_form.html", form=form, policy=policy)


def _policy_data(form: PolicyForm, currency: str) -> PolicyData:
    return PolicyData(
        scope=form.scope.data or "default", team_id=form.team_id.data,
        job_title=form.job_title.data, accrual=form.accrual.data or "upfront",
        annual_allowance_minor=to_minor(form.annual_allowance.data, currency,
                                        "annual_allowance_minor"),
        rollover_cap_minor=to_minor(form.rollover_cap.data, currency, "rollover_cap_minor"),
        prorate_joiners=bool(form.prorate_joiners.data), team_pools=bool(form.team_pools.data))


@bp.post("/budgets/policies/<int:policy_id>/delete")
@admin_only
def policy_delete(policy_id: int) -> Response:
    policy = get_or_404(BudgetPolicy, policy_id)
    if not AllocateForm().validate_on_submit():
        abort(400)
    policies.delete_policy(current_user, policy)
    flash("Policy deleted. Budgets already allocated stay as they are.", "success")
    return redirect(url_for("billing.policy_list"))


def _visible_person(user_id: int) -> User:
    person = get_or_404(User, user_id)
    if not may_see(current_user, person):
        abort(403)
    return person


@bp.route("/budgets/people/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int) -> str | Response:
    person, period = _visible_person(user_id), _period()
    form = AdjustmentForm()
    if request.method == "POST":
        if not may_manage(current_user, person):
            abort(403)
        if form.validate_on_submit():
            with refusal(form, default="amount", fields=FIELDS) as attempt:
                amount = to_minor(form.amount.data, person.company.currency, "amount_minor")
                budgets.adjust(current_user, person, -amount if form.direction.data == "deduct"
                               else amount, form.reason.data or "", f"web:{form.key.data}", period)
            if attempt.ok:
                flash(f"{person.name}'s budget is adjusted.", "success")
                return redirect(url_for("billing.person", user_id=person.id,
                                        period=period.start.isoformat()))
    page_args = MultiDict(request.args)
    page_args["user_id"] = str(person.id)
    return render_template("billing/person.html", person=person, period=period, form=form,
                           page_args=page_args,
                           balances=queries.person_balances(person, period),
                           page=paginate(queries.person_transactions(person), rows=True))


@bp.get("/budgets/people/<int:user_id>/transactions.csv")
@login_required
def person_csv(user_id: int) -> Response:
    person = _visible_person(user_id)
    rows = db.session.execute(queries.person_transactions(person))
    return csv_response(f"transactions-{person.id}.csv", [
        "id", "date", "kind", "reference", "reason", "by", "amount_minor", "available_minor",
        "held_minor", "spent_minor", "currency"], ([
            r.id, r.created_at.isoformat(), r.kind, r.reference, r.reason, r.actor_name,
            int(r.amount_minor), int(r.available_minor), int(r.held_minor), int(r.spent_minor),
            person.company.currency] for r in rows))


@bp.route("/wallet", methods=["GET", "POST"])
@admin_only
def wallet_page() -> str | Response:
    company = current_company()
    form = TransferForm()
    if form.validate_on_submit():
        with refusal(form, default="amount", fields=FIELDS) as attempt:
            wallet.record_bank_transfer(
                current_user, company, to_minor(form.amount.data, company.currency,
                                                 "amount_minor"),
                form.bank_reference.data or "", f"web:{form.key.data}")
        if attempt.ok:
            flash("Bank transfer recorded; the wallet is credited.", "success")
            return redirect(url_for("billing.wallet_page"))
    period = _period()
    return render_template(
        "billing/wallet.html", form=form, period=period, wallet=wallet.wallet_balances(company.id),
        totals=queries.company_balances(company.id, company.currency, period),
        page=paginate(queries.company_transactions(company.id, request.args.get("kind")), rows=True),
        args=request.args)


@bp.get("/wallet/transactions.csv")
@admin_only
def company_csv() -> Response:
    company = current_company()
    rows = db.session.execute(queries.company_transactions(company.id,
                                                           request.args.get("kind")))
    return csv_response(f"transactions-{company.slug}.csv", [
        "id", "date", "kind", "person", "reference", "reason", "by", "moved_minor",
        "wallet_change_minor", "allowance_change_minor", "currency"], ([
            r.id, r.created_at.isoformat(), r.kind, r.person_name, r.reference, r.reason,
            r.actor_name, int(r.moved_minor), int(r.wallet_minor), int(r.allowance_minor),
            company.currency] for r in rows))


def budget_card() -> dict[str, Any] | None:
    """The signed-in person's budget for today's period (the home page card)."""
    if not current_user.is_authenticated:
        return None
    period = policies.period_for(current_user.company, date.today())
    balances = queries.person_balances(current_user, period)
    return {"balances": balances, "days_left": period.days_left(date.today()),
            "days_total": (period.end - period.start).days + 1}
