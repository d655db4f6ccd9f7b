"""Progress through a pathway: the state of each step of an enrolment, and a manager's view
of their reports' enrolments (required steps done, due dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.access import reports_of
from app.extensions import db
from app.models import User, UserStatus, utcnow

from .models import Enrolment, Pathway, PathwayStep, StepCompletion


@dataclass
class StepState:
    step: PathwayStep
    completion: StepCompletion | None
    locked_by: list[PathwayStep]

    @property
    def state(self) -> str:
        if self.completion is not None:
            return self.completion.status  # done / pending
        return "locked" if self.locked_by else "open"


@dataclass
class Progress:
    enrolment: Enrolment
    steps: list[StepState]

    @property
    def required_total(self) -> int:
        return sum(1 for s in self.steps if s.step.required)

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.steps if s.step.required and s.state == "done")

    @property
    def percent(self) -> int:
        total = self.required_total
        return 100 if not total else round(100 * self.required_done / total)

    @property
    def next_step(self) -> StepState | None:
        open_ = [s for s in self.steps if s.state == "open"]
        return next((s for s in open_ if s.step.required), open_[0] if open_ else None)


def progress(enrolment: Enrolment) -> Progress:
    done = {c.step_id: c for c in enrolment.completions}
    states = []
    for step in sorted(enrolment.pathway.steps, key=lambda s: s.position):
        locked = [p for p in step.prerequisites if p.id not in done]
        states.append(StepState(step, done.get(step.id), locked))
    return Progress(enrolment, states)


def refresh_status(enrolment: Enrolment) -> None:
    """Mark the enrolment completed once every required step is done."""
    p = progress(enrolment)
    finished = p.required_total and p.required_done == p.required_total
    if finished and enrolment.status != "completed":
        enrolment.status, enrolment.completed_at = "completed", utcnow()
    db.session.flush()


@dataclass(frozen=True)
class TeamRow:
    enrolment_id: int
    person: str
    pathway: str
    status: str
    due_date: date | None
    done: int
    required: int

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.done / self.required)

    def overdue(self, today: date) -> bool:
        """Past its due date and not completed."""
        return self.status != "completed" and self.due_date is not None and self.due_date < today


def team_enrolments(manager: User, limit: int = 200) -> list[TeamRow]:
    """The enrolments of the manager's direct reports with required steps done (aggregates)."""
    required = (select(PathwayStep.pathway_id, func.count(PathwayStep.id).label("n"))
                .where(PathwayStep.company_id == manager.company_id,
                       PathwayStep.required.is_(True))
                .group_by(PathwayStep.pathway_id).subquery())
    done = (select(StepCompletion.enrolment_id, func.count(StepCompletion.id).label("n"))
            .join(PathwayStep, PathwayStep.id == StepCompletion.step_id)
            .where(StepCompletion.company_id == manager.company_id,
                   StepCompletion.status == "done", PathwayStep.required.is_(True))
            .group_by(StepCompletion.enrolment_id).subquery())
    rows = db.session.execute(
        select(Enrolment.id, User.name, Pathway.title, Enrolment.status, Enrolment.due_date,
               func.coalesce(done.c.n, 0), func.coalesce(required.c.n, 0))
        .join(User, User.id == Enrolment.user_id)
        .join(Pathway, Pathway.id == Enrolment.pathway_id)
        .outerjoin(done, done.c.enrolment_id == Enrolment.id)
        .outerjoin(required, required.c.pathway_id == Enrolment.pathway_id)
        .where(Enrolment.company_id == manager.company_id, reports_of(manager),
               User.status == UserStatus.ACTIVE.value)
        .order_by(User.name, Pathway.title).limit(limit)).all()
    return [TeamRow(*r) for r in rows]
