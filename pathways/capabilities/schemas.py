"""The capability API's schemas: capabilities, the framework import, roles, evidence, levels and
gaps, in and out. Lengths are the columns' (`models.py`) or the services' limits."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.api.schema import Id, Page, Paging, Schema, max_chars, required_chars

SourceName = Literal["self", "peer", "manager", "mentor", "offering", "external"]
MAX_LEVEL = 10  # a scale has 2 to 10 levels (frameworks.create_scale)
LevelNumber = Annotated[int, Field(ge=1, le=MAX_LEVEL)]
Descriptors = Annotated[dict[Annotated[str, Field(pattern=r"^[0-9]{1,2}$")],
                             Annotated[str, max_chars(5000)]],
                        Field(max_length=MAX_LEVEL,
                              description="per-level descriptors: {\"1\": \"…\", \"2\": \"…\"}")]


# --- capabilities -----------------------------------------------------------------------------

class Capability(Schema):
    """One capability of a framework."""

    id: int
    framework_id: int
    framework: str
    category: str
    name: str
    description: str | None
    external_id: str | None
    descriptors: dict[str, str]
    max_level: int
    retired: bool


class NewCapability(Schema):
    """A capability to add to a framework; a new category name creates the category."""

    framework_id: Id
    category: Annotated[str, required_chars(120)]
    name: Annotated[str, required_chars(200)]
    description: Annotated[str, max_chars(5000)] | None = None
    external_id: Annotated[str, max_chars(300)] | None = Field(
        None, description="ESCO URI, SFIA code or your own reference")
    descriptors: Descriptors = Field(default_factory=dict)


class CapabilityPage(Page[Capability]):
    """A page of capabilities."""


class CapabilityQuery(Paging):
    q: Annotated[str, max_chars(200)] | None = Field(None,
                                                     description="search name and external id")
    framework_id: Id | None = None
    include_retired: bool = False


# --- framework import -------------------------------------------------------------------------

class ImportQuery(Schema):
    framework: Annotated[str, max_chars(120)] | None = Field(
        None, description="framework name (required for CSV)")
    scale: Annotated[str, max_chars(120)] | None = Field(
        None, description="scale of a new framework")
    dry_run: bool = Field(False, description="validate and count; write nothing")


class ImportResult(Schema):
    """What the import did (or, on a dry run, would do)."""

    framework_id: int | None = Field(description="null on a dry run")
    created: int
    updated: int
    unchanged: int


class ImportRowError(Schema):
    row: int = Field(description="CSV: the header is row 1; JSON: capabilities from 1; 0: the file")
    field: str | None
    message: str


class ImportErrorBody(Schema):
    code: str
    message: str
    field: str | None = None
    rows: list[ImportRowError]


class ImportRefusal(Schema):
    """Every bad row, in `error.rows`; nothing was imported."""

    error: ImportErrorBody


class ScaleLevelDoc(Schema):
    level: LevelNumber
    name: Annotated[str, required_chars(80)]
    descriptor: Annotated[str, max_chars(5000)] | None = None


class ScaleDoc(Schema):
    name: Annotated[str, max_chars(120)] | None = None
    levels: list[ScaleLevelDoc] = Field(default_factory=list, max_length=MAX_LEVEL)


class CapabilityDoc(Schema):
    name: Annotated[str, required_chars(200)]
    description: Annotated[str, max_chars(5000)] | None = None
    external_id: Annotated[str, max_chars(300)] | None = None
    descriptors: Descriptors = Field(default_factory=dict)
    retired: bool = False


class CategoryDoc(Schema):
    name: Annotated[str, required_chars(120)]
    capabilities: list[CapabilityDoc]


class FrameworkHead(Schema):
    name: Annotated[str, max_chars(120)] | None = None
    description: Annotated[str, max_chars(5000)] | None = None


class FrameworkDocument(Schema):
    """A whole framework as the JSON export writes it (CSV: send `text/csv` instead)."""

    framework: FrameworkHead | None = None
    scale: ScaleDoc | None = None
    categories: list[CategoryDoc]


# --- roles ------------------------------------------------------------------------------------

class Requirement(Schema):
    """The role needs `capability_id` at `level` (0 in a change removes it)."""

    capability_id: Id
    level: int = Field(ge=0, le=MAX_LEVEL)
    weight: int = Field(1, ge=1, le=10)


class Role(Schema):
    """A role profile with its requirements and the roles it leads to."""

    id: int
    title: str
    family: str | None
    seniority: int | None
    description: str | None
    requirements: list[Requirement]
    career_moves: list[int] = Field(description="ids of the roles this role leads to")


class NewRole(Schema):
    title: Annotated[str, required_chars(160)]
    family: Annotated[str, max_chars(120)] | None = None
    seniority: int | None = Field(None, ge=0, le=20)
    description: Annotated[str, max_chars(5000)] | None = None
    requirements: list[Requirement] = Field(default_factory=list, max_length=1000)


class RoleChange(Schema):
    """The fields to change; `requirements`, when sent, replace the role's requirements."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(None, description="ignored: the id is in the path")
    title: Annotated[str, required_chars(160)] | None = Field(None, description="not null")
    family: Annotated[str, max_chars(120)] | None = None
    seniority: int | None = Field(None, ge=0, le=20)
    description: Annotated[str, max_chars(5000)] | None = None
    requirements: list[Requirement] | None = Field(None, max_length=1000)
    career_moves: list[int] | None = Field(None, description="ignored: set on the role page")


class RolePage(Page[Role]):
    """A page of roles."""


# --- evidence, levels, gaps -------------------------------------------------------------------

class NewAssessment(Schema):
    """One piece of evidence. A peer rating answers an open rating request to the caller; a
    manager rating is given by the person's line manager; attestations are L&D's."""

    employee_id: Id
    capability_id: Id
    level: LevelNumber
    source: SourceName
    note: Annotated[str, max_chars(2000)] | None = None
    assessed_on: date | None = Field(None, description="default today; never in the future")


class DecidedBy(Schema):
    assessment_id: int
    source: SourceName
    author_id: int | None
    assessed_on: date


class Level(Schema):
    """A computed level and the evidence that decided it.

    `level` is null when the caller may not read the person's levels (a peer's reply)."""

    capability_id: int
    capability: str
    level: int | None
    explanation: str
    decided_by: DecidedBy | None


class LevelList(Schema):
    items: list[Level]


class LevelsQuery(Schema):
    at: date | None = Field(None, description="the levels as of this date (default today)")


class Gap(Schema):
    capability_id: int
    capability: str
    category: str
    target: int
    level: int
    gap: int
    weight: int


class GapsQuery(Schema):
    role_id: Id | None = Field(None, description="default: the person's current role")


class GapList(Schema):
    role_id: int | None
    readiness: float | None
    items: list[Gap]
