"""The report's parameters: the company, the period (default: the fiscal year to date) and a team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.errors import ValidationError
from app.extensions import db
from app.models import Company, Team
from billing.policies import period_for


@dataclass(frozen=True)
class Params:
    company_id: int
    start: date
    end: date
    team_id: int | None = None

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before."""
        days = (self.end - self.start).days
        prev_end = self.start - timedelta(days=1)
        return prev_end - timedelta(days=days), prev_end

    def query(self) -> dict[str, str]:
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.team_id:
            args["team_id"] = str(self.team_id)
        return args


def _date(raw: str | date | None, name: str) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValidationError(f"'{name}' must be a date like 2026-01-31.", name) from exc


def _team(company: Company, raw_team: str | int | None) -> int | None:
    """The team's id, when it is one of the company's teams."""
    if raw_team is None or raw_team == "":
        return None
    try:
        team_id = int(raw_team)
    except (TypeError, ValueError) as exc:
        raise ValidationError("'team_id' must be a team's id.", "team_id") from exc
    if db.session.scalar(select(Team.id).where(Team.id == team_id,
                                               Team.company_id == company.id)) is None:
        raise ValidationError("There is no such team in your company.", "team_id")
    return team_id


def parse_params(company: Company, raw_from: str | date | None, raw_to: str | date | None,
                 raw_team: str | int | None, today: date | None = None) -> Params:
    """Validated parameters; the default period is the fiscal year to date."""
    today = today or date.today()
    start, end = _date(raw_from, "from"), _date(raw_to, "to")
    fiscal = period_for(company, end or today)
    end = end or min(today, fiscal.end)
    start = start or period_for(company, end).start
    if start > end:
        raise ValidationError("'from' must be on or before 'to'.", "from")
    if (end - start).days > 3 * 366:
        raise ValidationError("Choose a period of at most three years.", "from")
    if start.year < 2000 or end.year > 2100:
        raise ValidationError("Choose dates between 2000 and 2100.", "from")
    return Params(company.id, start, end, _team(company, raw_team))
