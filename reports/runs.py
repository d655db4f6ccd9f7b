"""Rendering runs (report history), background rendering, and scheduled delivery by e-mail.

- `request_run` records a queued run (flush, no commit); the view then either commits it
  (`uow.checkpoint`) and renders at once (small companies, `render_now`) or lets the queue do
  it after the request commits (`enqueue`, `render_run_task`), while the page shows the run's
  progress. `execute` is a job: it commits its progress and its outcome itself.
- `deliver_due` (daily, huey periodic task) finds subscriptions whose month or quarter has
  closed, renders the PDF and e-mails it as an attachment. A failure is kept on the
  subscription and the run (visible to admins on the history page) and huey retries it.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from huey import crontab
from sqlalchemy import func, select

from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.mail import Attachment, queue_email
from app.models import Company, User, UserStatus, utcnow
from app.tasks import after_commit, periodic_task, task, with_app_context

from . import datasets, pdf
from .models import FREQUENCIES, ReportRun, ReportSubscription, RunStatus

SYNC_PEOPLE_LIMIT = 1000  # default of REPORTS_SYNC_PEOPLE: up to this size, render at once
log = logging.getLogger("trellis.reports")


def can_see_company(user: User) -> bool:
    return user.has_role("admin", "executive")


def allowed_team(user: User, team_id: int | None) -> int | None:
    """The team a person may report on: anyone for admins/executives, a manager's own team
    (or one below it) for managers. Raises PermissionDenied otherwise."""
    if can_see_company(user):
        return team_id
    if user.has_role("manager") and user.team_id:
        if team_id in (None, user.team_id):
            return user.team_id
        from pathways.capabilities.gaps import team_and_descendants

        if team_id in team_and_descendants(user.company_id, user.team_id):
            return team_id
        raise PermissionDenied("Managers see the reports of their own team.", "team_id")
    raise PermissionDenied("Capability reports are for executives, admins and managers with a "
                           "team.")


def renders_at_once(company_id: int) -> bool:
    limit = current_app.config.get("REPORTS_SYNC_PEOPLE", SYNC_PEOPLE_LIMIT)
    return people_count(company_id) <= int(limit)


def people_count(company_id: int) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.company_id == company_id, User.status == UserStatus.ACTIVE.value)) or 0


def request_run(actor: User, params: datasets.Params,
                subscription: ReportSubscription | None = None) -> ReportRun:
    run = ReportRun(company_id=actor.company_id, requested_by_id=actor.id,
                    subscription_id=subscription.id if subscription else None,
                    period_start=params.start, period_end=params.end, team_id=params.team_id,
                    status=RunStatus.QUEUED.value, progress=0, stage="waiting in the queue",
                    attempts=0)
    db.session.add(run)
    db.session.flush()
    return run


def enqueue(run: ReportRun) -> None:
    """Render in the background once the current transaction commits."""
    run_id = run.id
    after_commit(db.session(), lambda: render_run_task(run_id))


def file_for(run: ReportRun) -> Path:
    return Path(current_app.instance_path) / (run.file_path or "")


STAGES = {"coverage and readiness": 10, "levels gained": 25, "spend and budgets": 35,
          "pathways": 45, "laying out the pages": 55, "writing the PDF": 85}


def execute(run_id: int) -> ReportRun:
    """Render one run now: progress is committed as it goes, so the page can show it."""
    run = db.session.get(ReportRun, run_id)
    if run is None:
        raise ValueError(f"No report run {run_id}")
    if run.status == RunStatus.DONE.value:
        return run
    company = db.session.get(Company, run.company_id)
    assert company is not None
    run.status, run.attempts, run.error = RunStatus.RUNNING.value, run.attempts + 1, None

    def progress(stage: str) -> None:
        run.stage, run.progress = stage, STAGES.get(stage, run.progress)
        db.session.commit()

    progress("coverage and readiness")
    try:
        params = datasets.Params(company.id, run.period_start, run.period_end, run.team_id)
        data = datasets.build(company, params, progress=progress)
        rendered = pdf.render(data, progress=progress)
        relative = Path("reports") / str(company.id) / f"{run.id}-{secrets.token_hex(8)}.pdf"
        target = Path(current_app.instance_path) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(rendered.pdf)
    except Exception as exc:
        _record_failure(run_id, exc)
        raise
    run.file_path, run.filename = str(relative), pdf.filename(data)
    run.pages, run.size_bytes = rendered.pages, len(rendered.pdf)
    run.status, run.progress, run.stage = RunStatus.DONE.value, 100, "ready"
    run.finished_at = utcnow()
    db.session.commit()
    return run


def render_now(run_id: int) -> None:
    """Render a committed run during the request (a small company); a failure is already
    recorded on the run by `execute`, and the run page shows it, so it is not raised."""
    try:
        execute(run_id)
    except Exception:
        log.exception("report run %s failed", run_id)


def _record_failure(run_id: int, exc: Exception) -> None:
    """Keep why a run failed on the run, in a transaction of its own (the work is rolled back)."""
    db.session.rollback()
    run = db.session.get(ReportRun, run_id)
    if run is not None:
        run.status, run.error = RunStatus.FAILED.value, f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = utcnow()
    db.session.commit()


@task(retries=2, retry_delay=30)
@with_app_context
def render_run_task(run_id: int) -> None:
    execute(run_id)


# --- scheduled delivery ----------------------------------------------------------------------

def closed_period(frequency: str, today: date) -> tuple[date, date]:
    """The most recent whole month or quarter that ended before `today`."""
    first_of_month = today.replace(day=1)
    if frequency == "monthly":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    quarter_start = first_of_month.replace(month=(today.month - 1) // 3 * 3 + 1)
    end = quarter_start - timedelta(days=1)
    return end.replace(day=1, month=(end.month - 1) // 3 * 3 + 1), end


def subscribe(actor: User, frequency: str, team_id: int | None,
              today: date | None = None) -> ReportSubscription:
    if not can_see_company(actor):
        raise PermissionDenied("Executives and admins can subscribe to the report.")
    if frequency not in FREQUENCIES:
        raise ValidationError("Choose monthly or quarterly delivery.", "frequency")
    found = db.session.scalar(select(ReportSubscription).where(
        ReportSubscription.company_id == actor.company_id, ReportSubscription.user_id == actor.id,
        ReportSubscription.frequency == frequency, ReportSubscription.active.is_(True)))
    if found is not None:
        found.team_id = team_id
        db.session.flush()
        return found
    # The first delivery is the next period to close.
    _start, last_end = closed_period(frequency, today or date.today())
    sub = ReportSubscription(company_id=actor.company_id, user_id=actor.id, frequency=frequency,
                             team_id=team_id, active=True, last_period_end=last_end, failures=0)
    db.session.add(sub)
    db.session.flush()
    return sub


def may_stop(actor: User, sub: ReportSubscription) -> bool:
    """The subscriber stops their own subscription; an admin stops anyone's."""
    return sub.user_id == actor.id or actor.has_role("admin")


def unsubscribe(actor: User, sub: ReportSubscription) -> None:
    if not may_stop(actor, sub):
        raise PermissionDenied("Only the subscriber or an admin can stop a subscription.")
    sub.active = False
    db.session.flush()


def due(today: date) -> list[tuple[int, date, date]]:
    """(subscription id, period start, period end) for every delivery that is due."""
    out = []
    for sub in db.session.scalars(select(ReportSubscription).where(
            ReportSubscription.active.is_(True)).order_by(ReportSubscription.id)):
        start, end = closed_period(sub.frequency, today)
        if sub.last_period_end is None or sub.last_period_end < end:
            out.append((sub.id, start, end))
    return out


def deliver(subscription_id: int, start: date, end: date) -> ReportRun | None:
    """Render the subscription's report for [start, end] and e-mail it (commits)."""
    sub = db.session.get(ReportSubscription, subscription_id)
    if sub is None or not sub.active or (sub.last_period_end and sub.last_period_end >= end):
        return None
    user = sub.user
    if user.status != UserStatus.ACTIVE.value or not can_see_company(user):
        sub.active, sub.last_error = False, "Stopped: the subscriber no longer has access."
        db.session.commit()
        return None
    company = db.session.get(Company, sub.company_id)
    assert company is not None
    run = request_run(user, datasets.Params(company.id, start, end, sub.team_id), sub)
    db.session.commit()
    try:
        run = execute(run.id)
        data = file_for(run).read_bytes()
    except Exception as exc:
        _record_delivery_failure(subscription_id, exc)
        raise
    label = "month" if sub.frequency == "monthly" else "quarter"
    scope = f" ({sub.team.name})" if sub.team else ""
    queue_email(user.email, f"{company.name} capability report{scope}: {start:%-d %b} – "
                f"{end:%-d %b %Y}",
                f"Hello {user.name},\n\nattached is {company.name}'s capability report for the "
                f"{label} {start:%-d %B} – {end:%-d %B %Y}{scope}: coverage, growth, spend "
                "against budget and the largest gaps.\n\nYou receive it because you subscribed "
                "in Trellis (Reports → Scheduled delivery), where you can also stop it.\n",
                company_id=company.id,
                attachments=[Attachment(run.filename or "capability-report.pdf",
                                        "application/pdf", data)])
    sub.last_period_end, sub.last_error = end, None
    db.session.commit()
    return run


def _record_delivery_failure(subscription_id: int, exc: Exception) -> None:
    """Keep the failure on the subscription (the history page shows it to admins)."""
    sub = db.session.get(ReportSubscription, subscription_id)
    if sub is not None:
        sub.failures += 1
        sub.last_error = f"{utcnow():%Y-%m-%d %H:%M} UTC: {type(exc).__name__}: {exc}"[:2000]
    db.session.commit()


@task(retries=3, retry_delay=300)
@with_app_context
def deliver_task(subscription_id: int, start: str, end: str) -> None:
    deliver(subscription_id, date.fromisoformat(start), date.fromisoformat(end))


@periodic_task(crontab(hour="5", minute="30"))
@with_app_context
def deliver_due_task() -> None:
    """Every morning: queue the deliveries of every month or quarter that has closed."""
    todo = due(date.today())
    db.session.rollback()  # end the read: each delivery runs in a transaction of its own
    for sub_id, start, end in todo:
        deliver_task(sub_id, start.isoformat(), end.isoformat())
