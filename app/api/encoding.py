"""JSON encoding of the API: dates as ISO 8601, date-times as RFC 3339 with an offset.

Flask's default encoder writes `datetime` and `date` as HTTP dates ("Mon, 07 Dec 2026 …"),
which no client parses as a timestamp. Trellis stores times as naive UTC (`app.models.utcnow`),
so a naive value is UTC and gets `+00:00`; an aware one keeps its own offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from flask.json.provider import DefaultJSONProvider
from pydantic import PlainSerializer, WithJsonSchema


def rfc3339(value: datetime) -> str:
    """`value` as RFC 3339 with an offset (naive values are UTC, as the database keeps them)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.isoformat()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return DefaultJSONProvider.default(value)


class ApiJSONProvider(DefaultJSONProvider):
    """`jsonify` with RFC 3339 date-times and ISO dates; everything else as Flask does it."""

    default = staticmethod(_encode)


# A date-time field of a response schema: written as RFC 3339 with an offset, a naive (database,
# UTC) value with `+00:00`, so clients never have to guess the zone.
Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time"},
                                     mode="serialization")]
