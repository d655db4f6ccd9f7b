"""The learning API's schemas: pathways with their steps, enrolments and recommendations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from app.api.schema import Id, Paging, Schema, max_chars, required_chars

StepKindName = Literal["offering", "mentor_session", "practice", "reading"]
PathwayStatus = Literal["draft", "published", "archived"]
# Bounds of the builder's form (estimated hours and cost of one step).
HOURS_MAX = 10_000
COST_MINOR_MAX = 1_000_000_000
LEVEL_MAX = 10
TEXT_MAX = 10_000  # descriptions are Text columns; the form's bound
STEPS_MAX = 100
BASE64_MAX = 4 * ((20 * 1024 * 1024 + 2) // 3)  # a 20 MB request (MAX_CONTENT_LENGTH) in base64


class PathwayStep(Schema):
    """One step of a pathway, in its order."""

    id: int
    position: int
    kind: StepKindName
    title: str
    description: str | None
    offering_id: int | None
    capability_id: int | None
    to_level: int | None
    url: str | None
    required: bool
    estimated_hours: float
    estimated_cost_minor: int
    prerequisites: list[int] = Field(description="positions (1-based) of earlier steps")


class Pathway(Schema):
    """A pathway with its steps and what its required steps cost."""

    id: int
    title: str
    description: str | None
    target_role_id: int | None
    target_capability_id: int | None
    status: PathwayStatus
    self_enrol: bool
    estimated_cost_minor: int
    estimated_hours: float
    currency: str
    steps: list[PathwayStep]


class NewStep(Schema):
    """A step to append; an offering step takes the offering's title when it has none."""

    kind: StepKindName
    title: Annotated[str, max_chars(200)] | None = None
    description: Annotated[str, max_chars(TEXT_MAX)] | None = None
    offering_id: Id | None = None
    capability_id: Id | None = None
    to_level: int | None = Field(None, ge=1, le=LEVEL_MAX)
    url: Annotated[str, max_chars(500)] | None = None
    required: bool = True
    estimated_hours: float = Field(0, ge=0, le=HOURS_MAX)
    estimated_cost_minor: int = Field(0, ge=0, le=COST_MINOR_MAX)
    prerequisites: list[int] = Field(default_factory=list, max_length=STEPS_MAX,
                                     description="positions (1-based) of earlier steps")


class NewPathway(Schema):
    """A pathway to create with its steps; `"status": "published"` publishes it at once."""

    title: Annotated[str, required_chars(200)]
    description: Annotated[str, max_chars(TEXT_MAX)] | None = None
    target_role_id: Id | None = None
    target_capability_id: Id | None = None
    self_enrol: bool = True
    status: Literal["draft", "published"] = "draft"
    steps: list[NewStep] = Field(default_factory=list, max_length=STEPS_MAX)


class PathwayQuery(Paging):
    """The page of pathways to list."""


class PathwayPage(Schema):
    """A page of pathways."""

    items: list[Pathway]
    page: int
    per_page: int
    total: int
    pages: int


class NewEnrolment(Schema):
    """Whom to enrol: one person (`employee_id`) or whole teams (`team_ids`)."""

    employee_id: Id | None = None
    team_ids: list[Id] = Field(default_factory=list, max_length=500)
    due_date: date | None = None


class Enrolment(Schema):
    """A person's enrolment and their progress through its required steps."""

    id: int
    pathway_id: int
    employee_id: int
    status: str
    due_date: date | None
    percent: int
    next_step_id: int | None
    completed_step_ids: list[int]


class EnrolmentCounts(Schema):
    """What enrolling whole teams did."""

    enrolled: int
    already: int


class StepDone(Schema):
    """A step marked done with its evidence; a certificate is PDF, PNG or JPEG in base64."""

    note: Annotated[str, max_chars(4000)] | None = None
    link: Annotated[str, max_chars(500)] | None = None
    # The request itself is at most 20 MB; the service checks the decoded file's size.
    certificate_base64: Annotated[str, max_chars(BASE64_MAX)] | None = None
    certificate_name: Annotated[str, max_chars(255)] | None = None


class RecommendationQuery(Schema):
    role_id: Id | None = Field(None, description="target role (default the current role)")


class Recommendation(Schema):
    """One candidate step and why it was picked."""

    kind: Literal["offering", "pathway", "mentor"]
    id: int
    title: str
    levels_gained: int
    cost_minor: int
    currency: str
    hours: float
    score: float
    reason: str


class Recommendations(Schema):
    """Recommendations for a person's gaps, best first."""

    role_id: int | None
    available_minor: int | None
    items: list[Recommendation]
