"""Budgets, wallet and ledger over JSON; the same service calls as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api.plumbing import api_blueprint, body, date_field, field, require_role
from app.errors import PermissionDenied
from app.extensions import db
from app.idempotency import idempotency_key
from app.models import Team, User
from app.pagination import page_json, paginate
from app.tenancy import current_company, get_or_404

from . import budgets, pools, queries, verify, wallet
from .access import can_see_budget
from .models import LedgerTransaction
from .policies import Period, parse_period

bp = api_blueprint("billing_api", __name__)

BALANCES = {"type": "object", "properties": {
    "period": {"type": "string", "format": "date", "description": "first day of the period"},
    "period_end": {"type": "string", "format": "date"}, "period_label": {"type": "string"},
    "currency": {"type": "string"}, "allocated_minor": {"type": "integer"},
    "held_minor": {"type": "integer"}, "spent_minor": {"type": "integer"},
    "available_minor": {"type": "integer"}}}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Budget": {"allOf": [{"$ref": "#/components/schemas/Balances"}, {
        "type": "object", "properties": {"employee_id": {"type": "integer"}}}]},
    "Balances": BALANCES,
    "Wallet": {"allOf": [{"$ref": "#/components/schemas/Balances"}, {
        "type": "object", "properties": {"wallet_minor": {"type": "integer"},
                                         "balance_minor": {"type": "integer",
                                                           "description": "= wallet_minor"},
                                         "funded_minor": {"type": "integer"},
                                         "paid_minor": {"type": "integer"}}}]},
    "Adjustment": {"type": "object", "required": ["employee_id", "amount_minor", "reason"],
                   "properties": {
                       "id": {"type": "integer", "readOnly": True},
                       "employee_id": {"type": "integer"},
                       "amount_minor": {"type": "integer", "description": "negative deducts"},
                       "reason": {"type": "string"},
                       "period": {"type": "string", "description": "2026 or a date; default now"},
                       "currency": {"type": "string", "readOnly": True},
                       "created_at": {"type": "string", "format": "date-time", "readOnly": True}}},
    "AllocationRun": {"type": "object", "properties": {
        "id": {"type": "integer"}, "period": {"type": "string", "format": "date"},
        "as_of": {"type": "string", "format": "date"}, "people": {"type": "integer"},
        "allocated_minor": {"type": "integer"}, "currency": {"type": "string"}}},
    "LedgerVerification": {"type": "object", "properties": {
        "ok": {"type": "boolean"}, "checks": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"}, "ok": {"type": "boolean"},
                                             "detail": {"type": "string"}}}}}},
    "TeamPool": {"type": "object", "properties": {
        "team_id": {"type": "integer"}, "team": {"type": "string"},
        "period": {"type": "string", "format": "date"},
        "period_end": {"type": "string", "format": "date"}, "period_label": {"type": "string"},
        "currency": {"type": "string"},
        "funded_minor": {"type": "integer", "description": "net of money taken back"},
        "granted_minor": {"type": "integer"}, "expired_minor": {"type": "integer"},
        "available_minor": {"type": "integer", "description": "left to grant"},
        "closed": {"type": "boolean"}}},
    "PoolMovement": {"type": "object", "required": ["amount_minor", "reason"], "properties": {
        "id": {"type": "integer", "readOnly": True},
        "team_id": {"type": "integer", "readOnly": True},
        "employee_id": {"type": "integer",
                        "description": "grants: one of your reports in the team"},
        "amount_minor": {"type": "integer",
                         "description": "grants: above zero; funding: negative takes back"},
        "reason": {"type": "string"},
        "period": {"type": "string", "description": "2026 or a date; default now"},
        "currency": {"type": "string", "readOnly": True},
        "pool_available_minor": {"type": "integer", "readOnly": True},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True}}},
    "PersonTransaction": {"type": "object", "properties": {
        "id": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string", "enum": ["funding", "allocation", "hold", "capture", "release",
                                            "refund", "expiry", "rollover", "adjustment"]},
        "reference": {"type": "string", "nullable": True},
        "reason": {"type": "string", "nullable": True},
        "actor": {"type": "string", "nullable": True},
        "available_minor": {"type": "integer", "description": "change of available"},
        "held_minor": {"type": "integer"}, "spent_minor": {"type": "integer"}}},
}


def _person(employee_id: int) -> User:
    person = get_or_404(User, employee_id)
    if not can_see_budget(current_user, person):
        raise PermissionDenied("You can see your own budget and, as a manager, your reports'.")
    return person


@bp.get("/employees/<int:employee_id>/budget")
def employee_budget(employee_id: int) -> Response:
    """One person's budget for a period.
    ---
    get:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
        - in: query
          name: period
          schema: {type: string}
          description: "2026 or a date inside the period; default: today's period"
      responses:
        200:
          description: Allocated, held, spent and available in minor units
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Budget'}
    """
    person = _person(employee_id)
    period = parse_period(current_company(), request.args.get("period"), date.today())
    return jsonify(queries.person_balances(person, period).json() | {"employee_id": person.id})


def adjustment_json(tx: LedgerTransaction, amount_minor: int, currency: str) -> dict[str, Any]:
    return {"id": tx.id, "employee_id": tx.user_id, "amount_minor": amount_minor,
            "currency": currency, "reason": tx.reason, "created_at": tx.created_at.isoformat()}


@bp.post("/budgets/adjustments")
def create_adjustment() -> tuple[Response, int]:
    """Top up or deduct a person's budget with a reason (admin); honours Idempotency-Key.
    ---
    post:
      parameters:
        - in: header
          name: Idempotency-Key
          schema: {type: string}
          description: a repeat with the same key returns the first result
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Adjustment'}
      responses:
        201:
          description: The adjustment (the first one when the key was used before)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Adjustment'}
    """
    require_role("admin")
    data = body()
    person = get_or_404(User, field(data, "employee_id", int, required=True))
    amount = field(data, "amount_minor", int, required=True)
    reason = field(data, "reason", str, required=True)
    company = current_company()
    period = parse_period(company, field(data, "period", str), date.today())
    tx = budgets.adjust(current_user, person, amount, reason, idempotency_key(), period)
    db.session.commit()
    own = sum(e.amount_minor for e in tx.entries if e.account.kind == "available")
    return jsonify(adjustment_json(tx, own, company.currency)), 201


@bp.post("/budgets/allocate")
def allocate() -> tuple[Response, int]:
    """Run the allocation for the whole company (admin); idempotent per period and per key.
    ---
    post:
      parameters:
        - {in: header, name: Idempotency-Key, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {period: {type: string}, as_of: {type: string, format: date}}
      responses:
        201:
          description: What the run allocated (0 people when everything was already allocated)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/AllocationRun'}
    """
    require_role("admin")
    data = body() if request.get_data() else {}
    company = current_company()
    as_of = date_field(data, "as_of") or date.today()
    period = parse_period(company, field(data, "period", str), as_of)
    run = budgets.run_allocation(current_user, company, period, min(as_of, period.end),
                                 key=idempotency_key())
    db.session.commit()
    return jsonify({"id": run.id, "period": run.period_start.isoformat(),
                    "as_of": run.as_of.isoformat(), "people": run.people,
                    "allocated_minor": run.allocated_minor, "currency": company.currency}), 201


@bp.get("/wallet")
def get_wallet() -> Response:
    """The company wallet and this period's budgets at a glance (admin, executive).
    ---
    get:
      parameters:
        - {in: query, name: period, schema: {type: string}}
      responses:
        200:
          description: Wallet, funded, paid, and the period's allocated/held/spent/available
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Wallet'}
    """
    require_role("admin", "executive")
    company = current_company()
    period = parse_period(company, request.args.get("period"), date.today())
    totals = queries.company_balances(company.id, company.currency, period)
    balances = wallet.wallet_balances(company.id)
    return jsonify(totals.json() | balances | {"balance_minor": balances["wallet_minor"],
                                               "currency": company.currency})


@bp.get("/ledger/verify")
def ledger_verify() -> Response:
    """Check the company's ledger invariants (admin).
    ---
    get:
      responses:
        200:
          description: Each invariant with ok and a readable detail
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LedgerVerification'}
    """
    require_role("admin")
    checks = verify.run_checks(current_company().id)
    return jsonify({"ok": all(c.ok for c in checks), "checks": [c.json() for c in checks]})


def transaction_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "created_at": row.created_at.isoformat(), "kind": row.kind,
            "reference": row.reference, "reason": row.reason, "actor": row.actor_name,
            "available_minor": int(row.available_minor), "held_minor": int(row.held_minor),
            "spent_minor": int(row.spent_minor)}


@bp.get("/employees/<int:employee_id>/transactions")
def employee_transactions(employee_id: int) -> Response:
    """A person's budget transactions, newest first, with the change of each balance.
    ---
    get:
      parameters:
        - {in: path, name: employee_id, required: true, schema: {type: integer}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer, maximum: 200}}
      responses:
        200:
          description: A page of transactions
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PersonTransactionPage'}
    """
    person = _person(employee_id)
    return jsonify(page_json(paginate(queries.person_transactions(person), rows=True), transaction_json))


def _pool_team(team_id: int) -> Team:
    team = get_or_404(Team, team_id)
    if not (pools.can_manage(current_user, team) or current_user.has_role("executive")):
        raise PermissionDenied("You can see the pools of your reports' teams.")
    return team


def _pool_movement(team: Team, tx: LedgerTransaction, period: Any) -> dict[str, Any]:
    row = queries.pool_rows(team.company_id, period, [team.id])[0]
    pool_leg = next(e for e in tx.entries if e.account.kind == "team_pool")
    return {"id": tx.id, "team_id": team.id, "employee_id": tx.user_id,
            "amount_minor": -pool_leg.amount_minor if tx.user_id else pool_leg.amount_minor,
            "currency": current_company().currency, "reason": tx.reason,
            "pool_available_minor": int(row.left_minor), "created_at": tx.created_at.isoformat()}


@bp.get("/teams/<int:team_id>/pool")
def team_pool(team_id: int) -> Response:
    """A team's pool for a period: funded, granted, expired, available (admin, executive, the
    team's managers).
    ---
    get:
      parameters:
        - {in: path, name: team_id, required: true, schema: {type: integer}}
        - {in: query, name: period, schema: {type: string}}
      responses:
        200:
          description: The pool in minor units (all zero when it was never funded)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TeamPool'}
    """
    team = _pool_team(team_id)
    period = parse_period(current_company(), request.args.get("period"), date.today())
    row = queries.pool_rows(team.company_id, period, [team.id])[0]
    return jsonify(queries.pool_json(row, period, current_company().currency))


def _movement(data: dict[str, Any]) -> tuple[int, str, Period]:
    """A pool movement's `amount_minor`, `reason` and `period` (default: the current one)."""
    return (field(data, "amount_minor", int, required=True),
            field(data, "reason", str, required=True),
            parse_period(current_company(), field(data, "period", str), date.today()))


@bp.post("/teams/<int:team_id>/pool/grants")
def grant_from_pool(team_id: int) -> tuple[Response, int]:
    """Grant from the team's pool to one of your reports' budgets; honours Idempotency-Key.
    ---
    post:
      parameters:
        - {in: path, name: team_id, required: true, schema: {type: integer}}
        - {in: header, name: Idempotency-Key, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PoolMovement'}
      responses:
        201:
          description: The grant (the first one when the key was used before)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PoolMovement'}
    """
    team = get_or_404(Team, team_id)
    data = body()
    person = get_or_404(User, field(data, "employee_id", int, required=True))
    if not pools.can_manage(current_user, team):
        raise PermissionDenied("You can grant from the pools of your reports' teams.")
    amount, reason, period = _movement(data)
    tx = pools.grant(current_user, team, person, amount, reason, idempotency_key(), period)
    db.session.commit()
    return jsonify(_pool_movement(team, tx, period)), 201


@bp.post("/teams/<int:team_id>/pool/funding")
def fund_pool(team_id: int) -> tuple[Response, int]:
    """Fund a team's pool from the company's allowance, or take some back (admin);
    honours Idempotency-Key.
    ---
    post:
      parameters:
        - {in: path, name: team_id, required: true, schema: {type: integer}}
        - {in: header, name: Idempotency-Key, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PoolMovement'}
      responses:
        201:
          description: The funding (the first one when the key was used before)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PoolMovement'}
    """
    team = get_or_404(Team, team_id)
    require_role("admin")
    data = body()
    amount, reason, period = _movement(data)
    tx = pools.fund(current_user, team, amount, reason, idempotency_key(), period)
    db.session.commit()
    return jsonify(_pool_movement(team, tx, period)), 201
