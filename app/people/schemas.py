"""The people API's schemas: what a person and a team look like over JSON, in and out."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.api.schema import Email, Id, Paging, Schema, max_chars, required_chars

AccessRoleName = Literal["admin", "manager", "employee", "executive"]
Status = Literal["active", "left"]


class Employee(Schema):
    """A person of the company."""

    id: int
    email: str
    name: str
    team_id: int | None
    manager_id: int | None
    job_title: str | None
    access_roles: list[AccessRoleName]
    start_date: date | None
    status: Status


class NewEmployee(Schema):
    """A person to add; they get an e-mail invitation."""

    email: Email
    name: Annotated[str, required_chars(200)]
    team_id: Id | None = None
    manager_id: Id | None = None
    job_title: Annotated[str, max_chars(200)] | None = None
    access_roles: list[AccessRoleName] = Field(default=["employee"],
                                               min_length=1, max_length=4)
    start_date: date | None = None


class EmployeeChange(Schema):
    """The fields to change; `status: left` deactivates, `status: active` reactivates."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(None, description="ignored: the id is in the path")
    email: Email | None = None
    name: Annotated[str, required_chars(200)] | None = None
    team_id: Id | None = None
    manager_id: Id | None = None
    job_title: Annotated[str, max_chars(200)] | None = None
    access_roles: list[AccessRoleName] | None = Field(None, min_length=1, max_length=4)
    start_date: date | None = None
    status: Status | None = None


class EmployeeQuery(Paging):
    q: Annotated[str, max_chars(200)] | None = Field(None, description="search name, e-mail, job title")
    team_id: int | None = Field(None, ge=-1, le=2_147_483_647, description="-1: people in no team")
    role: AccessRoleName | None = None
    status: Literal["active", "left", "invited"] | None = None


class Team(Schema):
    id: int
    name: str
    parent_id: int | None


class NewTeam(Schema):
    name: Annotated[str, required_chars(120)]
    parent_id: Id | None = None


class TeamList(Schema):
    items: list[Team]


class CompanySummary(Schema):
    id: int
    name: str
    slug: str
    currency: str


class Me(Employee):
    """The token's owner, with their company."""

    company: CompanySummary
