"""The audit log: who changed what and when, written in the same transaction as the change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .extensions import db
from .models import AuditEntry, User


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def record(
    actor: User | None,
    company_id: int,
    action: str,
    obj_type: str,
    obj_id: int | None,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry (flushed with the caller's transaction, never committed here)."""
    entry = AuditEntry(
        company_id=company_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj_type,
        object_id=obj_id,
        summary=summary[:300],
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()} or None,
    )
    db.session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value changed, as (old, new)."""
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
