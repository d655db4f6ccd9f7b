"""Certificate uploads: PDF, PNG or JPEG, sniffed from the bytes, stored under the instance folder.

The type is decided by the file's first bytes, never by its name or the browser's claim. The
file is written before the commit and registered on the session; if the transaction ends
without a commit (an error, a failed commit, a rollback), the file is deleted again, so a
failed request leaves no orphan file behind (`_cleanup` below).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.errors import ValidationError

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_PENDING = "trellis_pending_uploads"


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the instance folder
    name: str
    content_type: str
    size: int


def max_bytes() -> int:
    return int(current_app.config.get("CERTIFICATE_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG, from its magic bytes."""
    for magic, content_type, ext in SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    return None


def check(data: bytes, filename: str) -> tuple[str, str]:
    limit = max_bytes()
    if not data:
        raise ValidationError("The uploaded file is empty.", "certificate")
    if len(data) > limit:
        raise ValidationError(f"'{filename}' is {len(data) / 1048576:.1f} MB; certificates "
                              f"can be at most {limit / 1048576:.0f} MB.", "certificate")
    kind = sniff(data)
    if kind is None:
        raise ValidationError(f"'{filename}' is not a PDF, PNG or JPEG file.", "certificate")
    return kind


def store(session: Session, company_id: int, data: bytes, filename: str) -> StoredFile:
    """Check and write the file; it is removed again unless the session's transaction commits."""
    content_type, ext = check(data, filename)
    rel = Path("uploads") / "certificates" / str(company_id) / f"{secrets.token_hex(16)}.{ext}"
    full = Path(current_app.instance_path) / rel
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_bytes(data)
    session.info.setdefault(_PENDING, []).append(str(full))
    name = os.path.basename(filename or f"certificate.{ext}")[:255] or f"certificate.{ext}"
    return StoredFile(str(rel), name, content_type, len(data))


def full_path(rel: str) -> Path:
    return Path(current_app.instance_path) / rel


@event.listens_for(Session, "after_commit")
def _keep(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _cleanup(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_PENDING, []):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
