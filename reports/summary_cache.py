"""A small in-process cache of the summary API's answer, on top of the fast SQL (never instead).

The key is (company, period, team, today, data version). The data version is read with one
cheap statement on every request, so a cached answer is never stale, also across processes:
it changes whenever evidence is recorded (assessments are append-only, and the level history
is rebuilt only from new evidence), money moves (the ledger is append-only), a person, their team, status or role
changes (`users.updated_at`, `role_assignments.updated_at` and the row counts), or anything an
admin edits through a service (frameworks, roles, requirements, teams, budgets write the audit
log). Ids are compared installation-wide: a change in another company only costs a recompute.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, User
from billing.models import LedgerTransaction
from pathways.capabilities.models import Assessment, RoleAssignment

DEFAULT_SIZE = 128  # REPORTS_SUMMARY_CACHE: answers kept per process; 0 turns the cache off
_lock = threading.Lock()


def _store() -> OrderedDict[tuple[Any, ...], dict[str, Any]]:
    """This app's cache (per app, so tests and apps never share answers)."""
    store: OrderedDict[tuple[Any, ...], dict[str, Any]] = current_app.extensions.setdefault(
        "reports_summary_cache", OrderedDict())
    return store


def data_version() -> tuple[Any, ...]:
    """Changes whenever a figure of the summary can change (see the module docstring)."""
    row = db.session.execute(select(
        select(func.max(Assessment.id)).scalar_subquery(),
        select(func.max(LedgerTransaction.id)).scalar_subquery(),
        select(func.max(AuditEntry.id)).scalar_subquery(),
        select(func.max(User.updated_at)).scalar_subquery(),
        select(func.count(User.id)).scalar_subquery(),
        select(func.max(RoleAssignment.updated_at)).scalar_subquery(),
        select(func.count(RoleAssignment.user_id)).scalar_subquery(),
    )).one()
    return tuple(str(v) for v in row)


def cached(key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The answer for `key` (+ today and the data version), computed once per version."""
    size = current_app.config.get("REPORTS_SUMMARY_CACHE", DEFAULT_SIZE)
    if not size:
        return compute()
    full = (*key, date.today(), data_version())
    store = _store()
    with _lock:
        if full in store:
            store.move_to_end(full)
            return store[full]
    answer = compute()
    with _lock:
        store[full] = answer
        while len(store) > size:
            store.popitem(last=False)
    return answer


def clear() -> None:
    """Forget every cached answer (the benchmark times the uncached path with it)."""
    with _lock:
        _store().clear()
