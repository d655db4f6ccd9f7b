"""The catalogue API's schemas: offerings in and out, and the search's query. Lengths are the
columns' (`models.py`); prices are minor units up to `offerings.MAX_PRICE_MINOR`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.api.schema import Id, Page, Paging, Schema, max_chars, required_chars

from .offerings import MAX_HOURS, MAX_PRICE_MINOR

OfferingTypeName = Literal["course", "certification", "book", "event", "coaching"]
FormatName = Literal["online", "in_person", "blended"]
SortName = Literal["relevance", "price", "price_desc", "rating", "duration", "title"]
PriceMinor = Annotated[int, Field(ge=0, le=MAX_PRICE_MINOR)]
Hours = Annotated[float, Field(ge=0, le=MAX_HOURS)]
LevelNumber = Annotated[int, Field(ge=0, le=10)]  # a scale has at most 10 levels


class Delta(Schema):
    """The offering develops `capability_id` from `from_level` to `to_level`."""

    capability_id: Id
    from_level: LevelNumber
    to_level: LevelNumber


class Offering(Schema):
    """One offering of the catalogue."""

    id: int
    title: str
    type: OfferingTypeName
    provider: str | None = Field(description="provider name")
    provider_id: int | None
    description: str | None
    url: str | None
    price_minor: int
    currency: str
    duration_hours: float
    format: FormatName
    language: str
    capabilities: list[Delta]
    rating: float | None
    rating_count: int
    retired: bool


class OfferingPage(Page[Offering]):
    """A page of offerings."""


class OfferingQuery(Paging):
    """The catalogue search (the same filters as the page; prices in minor units)."""

    q: Annotated[str, max_chars(200)] | None = Field(None, description="every word must match")
    capability_id: Id | None = None
    type: OfferingTypeName | None = None
    format: FormatName | None = None
    provider_id: Id | None = None
    price_min_minor: PriceMinor | None = None
    price_max_minor: PriceMinor | None = None
    hours_min: Hours | None = None
    hours_max: Hours | None = None
    sort: SortName = "relevance"
    include_retired: bool = False


class NewOffering(Schema):
    """An offering to add; `provider` names a provider, created if new."""

    title: Annotated[str, required_chars(200)]
    type: OfferingTypeName
    provider: Annotated[str, max_chars(160)] | None = Field(
        None, description="provider name (created if new)")
    provider_id: Id | None = None
    description: Annotated[str, max_chars(10_000)] | None = None
    url: Annotated[str, max_chars(500)] | None = None
    price_minor: PriceMinor
    currency: Annotated[str, max_chars(3)] | None = Field(None,
                                                          description="the company currency")
    duration_hours: Hours = 0
    format: FormatName = "online"
    language: Annotated[str, max_chars(12)] = "en"
    capabilities: list[Delta] = Field(default_factory=list, max_length=100)


class OfferingChange(Schema):
    """The fields to change (the others keep their values); `retired` retires or restores."""

    model_config = ConfigDict(extra="ignore")

    title: Annotated[str, required_chars(200)] | None = Field(None, description="not null")
    type: OfferingTypeName | None = Field(None, description="not null")
    provider: Annotated[str, max_chars(160)] | None = Field(
        None, description="provider name (created if new)")
    provider_id: Id | None = None
    description: Annotated[str, max_chars(10_000)] | None = None
    url: Annotated[str, max_chars(500)] | None = None
    price_minor: PriceMinor | None = Field(None, description="not null")
    currency: Annotated[str, max_chars(3)] | None = None
    duration_hours: Hours | None = Field(None, description="not null")
    format: FormatName | None = Field(None, description="not null")
    language: Annotated[str, max_chars(12)] | None = None
    capabilities: list[Delta] | None = Field(None, max_length=100,
                                             description="when sent, replace the list")
    retired: bool | None = Field(None, description="true retires, false restores")
