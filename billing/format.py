"""Money in messages: the same Babel formatting as the `|money` filter."""

from __future__ import annotations


def fmt(amount_minor: int, currency: str) -> str:
    from app.web import money

    return money(amount_minor, currency)
