"""E-mail: recorded in the outbox inside the caller's transaction, delivered after the commit.

Delivery goes through the background queue to SMTP. With no `SMTP_HOST` (development) the message
is written to the log and kept in full in the outbox, which admins can read in the app.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy.orm import Session

from .extensions import db
from .models import OutboxMessage, utcnow
from .tasks import after_commit, task, with_app_context

log = logging.getLogger("trellis.mail")


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str  # e.g. "application/pdf", "text/calendar"
    data: bytes


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail, from a request or from TRELLIS_BASE_URL."""
    if has_request_context() and not current_app.config.get("SERVER_NAME_FOR_LINKS"):
        return url_for(endpoint, _external=True, **values)
    base = current_app.config.get("SERVER_NAME_FOR_LINKS") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def queue_email(
    to: str,
    subject: str,
    body: str,
    company_id: int | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage:
    """Record a message and deliver it after the current transaction commits."""
    # Bodies (which may hold sign-in links) are kept only for the development outbox.
    logged_only = not current_app.config.get("SMTP_HOST") and (
        current_app.config.get("TRELLIS_ENV") != "production"
    )
    msg = OutboxMessage(
        company_id=company_id,
        to=to,
        subject=subject,
        body=body if logged_only else None,
        attachments=[a.filename for a in attachments or []] or None,
        status="queued",
    )
    db.session.add(msg)
    db.session.flush()
    message_id = msg.id
    payload = [(a.filename, a.mimetype, a.data) for a in attachments or []]
    after_commit(db.session(), lambda: deliver_email(message_id, to, subject, body, payload))
    return msg


def build_message(
    to: str, subject: str, body: str, attachments: list[tuple[str, str, bytes]]
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="trellis.localhost")
    message.set_content(body)
    for filename, mimetype, data in attachments:
        maintype, _, subtype = mimetype.partition("/")
        params = {"method": _ical_method(data)} if mimetype == "text/calendar" else {}
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    return message


def _ical_method(data: bytes) -> str:
    """The METHOD of a calendar attachment (REQUEST, CANCEL, …), for its Content-Type."""
    for line in data.splitlines():
        if line.upper().startswith(b"METHOD:"):
            return line.split(b":", 1)[1].strip().decode("ascii", "replace").upper()
    return "REQUEST"


def _send_smtp(message: EmailMessage) -> None:
    cfg = current_app.config
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def _mark(message_id: int, status: str, error: str | None = None) -> None:
    # A session of its own: in immediate mode this runs inside the caller's after-commit hook.
    with Session(db.engine) as session, session.begin():
        row = session.get(OutboxMessage, message_id)
        if row is not None:
            row.status = status
            row.error = error
            row.sent_at = utcnow() if status in ("sent", "logged") else None


@task(retries=3, retry_delay=30, context=True)
@with_app_context
def deliver_email(
    message_id: int,
    to: str,
    subject: str,
    body: str,
    attachments: list[tuple[str, str, bytes]],
    task: object = None,
) -> str:
    """Send one message by SMTP, or log it when no SMTP server is configured."""
    message = build_message(to, subject, body, attachments)
    if not current_app.config.get("SMTP_HOST"):
        log.info("E-mail (no SMTP_HOST set, not sent)\n%s", message.as_string()[:20_000])
        _mark(message_id, "logged")
        return "logged"
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as exc:
        retries_left = getattr(task, "retries", 0)
        _mark(message_id, "queued" if retries_left else "failed", f"{type(exc).__name__}: {exc}")
        raise
    _mark(message_id, "sent")
    return "sent"
