"""Numbers, money and dates for reports in the company's currency and locale (Babel).

Works without a request (CLI, background tasks), unlike the request-bound template filters.
Any value equal to `HIDDEN` (a group under the privacy threshold) is printed as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from app.money import format_money

HIDDEN = "fewer than 5"
MIN_GROUP = 5


@dataclass(frozen=True)
class Fmt:
    currency: str
    locale: str = "en_GB"

    def money(self, minor: Any, whole: bool = True) -> str:
        if minor is None:
            return "—"
        if minor == HIDDEN:
            return HIDDEN
        return format_money(minor, self.currency, self.locale, whole)

    def number(self, value: Any) -> str:
        if value is None:
            return "—"
        if value == HIDDEN:
            return HIDDEN
        return format_decimal(value, locale=self.locale)

    def percent(self, value: Any) -> str:
        if value is None:
            return "—"
        if value == HIDDEN:
            return HIDDEN
        return format_percent(value, locale=self.locale)

    def date(self, value: date | None, fmt: str = "medium") -> str:
        return "—" if value is None else format_date(value, format=fmt, locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        return "—" if value is None else format_datetime(value, format="medium",
                                                         locale=self.locale)

    def change(self, now: Any, before: Any, kind: str) -> str:
        """'+12 pts', '−3', '+€4,000' against the previous period ('' when not comparable)."""
        if now in (None, HIDDEN) or before in (None, HIDDEN):
            return ""
        diff = now - before
        sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
        if kind == "percent":
            return f"{sign}{abs(round(diff * 100))} pts"
        if kind == "money":
            return f"{sign}{self.money(abs(diff))}"
        return f"{sign}{self.number(abs(diff))}"
