"""Idempotency keys of the JSON API: writes that move money accept an `Idempotency-Key` header,
and a repeat with the same key returns the first result (the key is stored under a unique
constraint by the service that moves the money)."""

from __future__ import annotations

import uuid

from flask import request
from flask_login import current_user


def idempotency_key() -> str:
    """The client's Idempotency-Key (namespaced per person), or a fresh one."""
    raw = (request.headers.get("Idempotency-Key") or "").strip()
    return f"api:{current_user.id}:{raw[:150]}" if raw else f"api:{uuid.uuid4()}"
