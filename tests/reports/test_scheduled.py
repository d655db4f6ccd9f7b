"""Scheduled delivery: after a month or quarter closes, subscribers get the PDF by e-mail."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from reports import runs
from reports.models import ReportRun, ReportSubscription

from ..smtp import SmtpServer
from .conftest import World


@pytest.fixture
def app_config(smtp_config: dict[str, object]) -> dict[str, object]:
    return smtp_config  # this module's app sends real mail to the `smtp` server


def test_closed_periods() -> None:
    assert runs.closed_period("monthly", date(2025, 7, 1)) == (date(2025, 6, 1),
                                                                 date(2025, 6, 30))
    assert runs.closed_period("monthly", date(2025, 1, 15)) == (date(2024, 12, 1),
                                                                  date(2024, 12, 31))
    assert runs.closed_period("quarterly", date(2025, 7, 2)) == (date(2025, 4, 1),
                                                                   date(2025, 6, 30))
    assert runs.closed_period("quarterly", date(2025, 2, 2)) == (date(2024, 10, 1),
                                                                   date(2024, 12, 31))


def test_the_quarterly_report_arrives_as_an_attachment(small: World, smtp: SmtpServer,
                                                       client: Any, auth: Any) -> None:
    auth.login("hr@small.test")
    client.post("/reports/subscriptions", data={"frequency": "quarterly"})
    sub = db.session.scalar(select(ReportSubscription))
    assert sub.active and sub.user_id == small.admin.id
    sub.last_period_end = date(2025, 3, 31)  # subscribed in the spring of 2025
    db.session.commit()
    assert runs.due(date(2025, 6, 30)) == []  # Q2 has not closed yet
    due = runs.due(date(2025, 7, 1))
    assert due == [(sub.id, date(2025, 4, 1), date(2025, 6, 30))]
    db.session.rollback()  # end our read, as the periodic task does, before the worker writes
    for sub_id, start, end in due:
        runs.deliver_task(sub_id, start.isoformat(), end.isoformat())
    [message] = smtp.inbox.to("hr@small.test")
    assert "Small Co capability report" in message["Subject"]
    [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    reader = PdfReader(io.BytesIO(attachment.get_payload(decode=True)))
    assert "Small Co" in reader.pages[0].extract_text()
    assert "1 Apr 2025 – 30 Jun 2025" in reader.pages[0].extract_text()
    db.session.expire_all()
    assert db.session.get(ReportSubscription, sub.id).last_period_end == date(2025, 6, 30)
    assert db.session.scalar(select(OutboxMessage.status)) == "sent"
    run = db.session.scalar(select(ReportRun))
    assert run.subscription_id == sub.id and run.status == "done"
    assert runs.due(date(2025, 7, 2)) == []  # delivered once


def test_a_failed_delivery_is_kept_and_shown_to_admins(small: World, app: Any, smtp: SmtpServer,
                                                       client: Any, auth: Any) -> None:
    from pathlib import Path

    sub = runs.subscribe(small.admin, "monthly", None, today=date(2025, 6, 15))
    db.session.commit()
    blocker = Path(app.instance_path) / "reports" / str(small.company.id)
    import shutil

    shutil.rmtree(blocker, ignore_errors=True)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    try:
        with pytest.raises(OSError):
            runs.deliver(sub.id, date(2025, 6, 1), date(2025, 6, 30))
    finally:
        blocker.unlink()
    db.session.expire_all()
    sub = db.session.get(ReportSubscription, sub.id)
    assert sub.failures == 1 and "Error" in sub.last_error
    assert sub.last_period_end == date(2025, 5, 31)  # still due: the retry delivers it
    assert smtp.inbox.messages == []
    auth.login("hr@small.test")
    history = client.get("/reports/history").get_data(as_text=True)
    assert "1 failure" in history
    runs.deliver(sub.id, date(2025, 6, 1), date(2025, 6, 30))  # the retry
    assert len(smtp.inbox.to("hr@small.test")) == 1


def test_only_executives_and_admins_subscribe(small: World, client: Any, auth: Any) -> None:
    auth.login(small.people["A1"])
    assert client.post("/reports/subscriptions", data={"frequency": "monthly"}).status_code == 403
    auth.logout()
    auth.login("hr@small.test")
    response = client.post("/reports/subscriptions", data={"frequency": "weekly"})
    assert response.status_code == 400 and "frequency" in response.get_data(as_text=True)
    assert db.session.scalar(select(ReportSubscription)) is None
