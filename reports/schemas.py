"""The reports API's schemas: the period and team asked for, and the headline metrics returned."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from app.api.schema import Id, Schema

# A figure: a number, null when undefined (no requirements, no budget), or the string
# "fewer than 5" when it is an aggregate over fewer than five people (reports.format.HIDDEN).
Figure = Annotated[float | Literal["fewer than 5"] | None,
                   Field(description='a number, null when undefined, or "fewer than 5"')]


class ReportQuery(Schema):
    """`?from=&to=&team_id=`: the period (at most three years, 2000–2100) and the team."""

    from_: date | None = Field(None, alias="from", description="default: fiscal year start")
    to: date | None = Field(None, description="default: today")
    team_id: Id | None = Field(None, description="a team with its sub-teams")


class Headlines(Schema):
    """The headline metrics as defined in the product's metric definitions."""

    people: Figure
    readiness: Figure
    coverage: Figure
    levels_gained: Figure
    spend_minor: Figure
    budget_minor: Figure
    cost_per_level_minor: Figure
    utilisation: Figure


class PreviousPeriod(Headlines):
    """The same metrics for the period of the same length just before."""

    from_: date = Field(alias="from")
    to: date


class TeamSummary(Schema):
    """One team's figures ("fewer than 5" for a team under the privacy threshold)."""

    team_id: int | None
    name: str
    people: Figure
    readiness: Figure
    coverage: Figure
    levels_gained: Figure
    spend_minor: Figure
    budget_minor: Figure
    utilisation: Figure
    cost_per_level_minor: Figure


class ReportSummary(Headlines):
    """Headline metrics of the capability report, with the previous period's values. A figure
    over fewer than 5 people is the string "fewer than 5"."""

    company: str
    from_: date = Field(alias="from")
    to: date
    team_id: int | None
    currency: str
    hidden: bool = Field(description="the whole selection has fewer than 5 people")
    previous: PreviousPeriod
    findings: list[str]
    teams: list[TeamSummary]
    generated_at: AwareDatetime
