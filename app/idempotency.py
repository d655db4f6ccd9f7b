"""Idempotency keys of the JSON API: writes that move money accept an `Idempotency-Key` header,
and a repeat with the same key and the same body returns the first result (the key is stored
under a unique constraint by the service that moves the money).

As Stripe does: a key is up to 255 printable ASCII characters (longer → 400 naming the header);
the same key sent again with a different body, or to another endpoint, is a 409
`idempotency_conflict` (each key's request fingerprint is kept in `idempotency_keys`). The key
is namespaced per person; one too long for the services' key columns is stored as its SHA-256,
so two keys sharing a long prefix never collide.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime

from flask import request
from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .errors import Conflict, ValidationError
from .extensions import Model, db
from .models import utcnow

HEADER = "Idempotency-Key"
MAX_KEY = 255  # what a client may send (Stripe's limit)
STORED = 150  # the services' key columns hold 200; leave room for their own suffixes
PRINTABLE = re.compile(r"^[!-~]+$")  # the OpenAPI document's pattern for the header


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class IdempotencyKey(Model):
    """A key the API has seen, with the fingerprint of the request that first used it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("company_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def idempotency_key() -> str:
    """The client's Idempotency-Key (namespaced per person, checked against the first request
    that used it), or a fresh one when the client sent none."""
    raw = (request.headers.get(HEADER) or "").strip()
    if not raw:
        return f"api:{uuid.uuid4()}"
    if len(raw) > MAX_KEY:
        raise ValidationError(f"'{HEADER}' can be at most {MAX_KEY} characters.", HEADER)
    if not PRINTABLE.match(raw):
        raise ValidationError(f"'{HEADER}' may hold only printable ASCII characters without "
                              "spaces.", HEADER)
    key = f"api:{current_user.id}:{raw}"
    if len(key) > STORED:
        key = f"apih:{current_user.id}:{hashlib.sha256(raw.encode()).hexdigest()}"
    _remember(current_user.company_id, key, fingerprint())
    return key


def fingerprint() -> str:
    """What makes two requests the same: method, path and the body (JSON compared by value)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _remember(company_id: int, key: str, print_: str) -> None:
    """Keep the key's first fingerprint; refuse the key with another (safe when two workers
    see the same key at once: the unique constraint decides which one was first)."""
    query = select(IdempotencyKey.fingerprint).where(IdempotencyKey.company_id == company_id,
                                                     IdempotencyKey.key == key)
    first = db.session.scalar(query)
    if first is None:
        try:
            with db.session.begin_nested():
                db.session.add(IdempotencyKey(company_id=company_id, key=key,
                                              fingerprint=print_))
            return
        except IntegrityError:
            first = db.session.scalar(query)
    if first != print_:
        raise IdempotencyConflict(
            f"This {HEADER} was already used with a different request; send a new key for a "
            "new request, or the same body to repeat the first.", HEADER)
