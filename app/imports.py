"""Uploaded import files (people, frameworks, offerings, coaches): read them as text and keep
one waiting for confirmation per admin and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from .extensions import db
from .models import PendingImport


def uploaded_text(field: Any) -> str | None:
    """The uploaded file as text, or None with the reason added to the field's errors."""
    try:
        text: str = field.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        field.errors = [*field.errors, "The file is not UTF-8 text; save it as 'CSV UTF-8'."]
        return None
    if (nul := text.find("\x00")) >= 0:
        # PostgreSQL cannot store a NUL byte, so the file could not even wait for its preview.
        line = text.count("\n", 0, nul) + 1
        field.errors = [*field.errors, f"Line {line} of the file contains a NUL character; "
                                       "remove it and upload the file again."]
        return None
    return text


def keep_pending(company_id: int, user_id: int, kind: str, filename: str, text: str,
                 options: dict[str, Any] | None = None) -> PendingImport:
    """Keep the upload until the admin confirms it, replacing their earlier one of this kind
    (flushes, never commits)."""
    db.session.execute(delete(PendingImport).where(
        PendingImport.company_id == company_id, PendingImport.kind == kind,
        PendingImport.created_by_id == user_id))
    pending = PendingImport(company_id=company_id, created_by_id=user_id, kind=kind,
                            filename=filename, content=text, options=options)
    db.session.add(pending)
    db.session.flush()
    return pending
