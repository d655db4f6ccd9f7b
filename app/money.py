"""Money: integer minor units in, text out (and typed amounts back to minor units).

    format_money(amount_minor, currency, locale, whole=False)   the one formatter (Babel)
    money(amount_minor, currency=None)      the same in the request's company currency and locale:
                                            the `|money` filter and money in messages
    to_minor(amount, currency, field)       a typed amount (Decimal, major units) → minor units
    from_minor(amount_minor, currency)      minor units → a Decimal for a form field
    MAX_MINOR                               the largest amount of money anything accepts
    check_bound(amount_minor, field)        refuse an amount beyond ±MAX_MINOR

Reports format without a request through `reports.format.Fmt`, which calls `format_money`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, get_currency_precision
from flask import g
from flask_login import current_user

from .errors import ValidationError

# The one bound on any money amount, in minor units: 10^13 (€100 billion). Every API schema, form
# and CSV import refuses more, and the ledger refuses a posting that would take any balance past
# it. An int64 holds 9.2 × 10^18, so sums of up to ~900,000 bounded balances cannot overflow
# (docs/operations.md, "what is bounded").
MAX_MINOR = 10**13


def check_bound(amount_minor: int, field: str = "amount") -> int:
    """`amount_minor` if it is within ±MAX_MINOR, else a ValidationError naming `field`."""
    if abs(amount_minor) > MAX_MINOR:
        raise ValidationError(f"The amount is too large: at most {MAX_MINOR:,} minor units "
                              f"({MAX_MINOR // 100:,} in major units).", field)
    return amount_minor


def request_company() -> Any:
    """The company of the current request: the tenant being served, else the signed-in user's."""
    company = getattr(g, "company", None)
    if company is None and current_user and current_user.is_authenticated:
        company = current_user.company
    return company


def request_locale() -> str:
    return getattr(request_company(), "locale", None) or "en_GB"


def format_money(amount_minor: int | float, currency: str, locale: str = "en_GB",
                 whole: bool = False) -> str:
    """Format minor units in `currency` for `locale`; `whole` rounds amounts of 1,000 and more
    to whole units (report headlines: "€12,400" rather than "€12,399.50")."""
    value = amount_minor / (10 ** get_currency_precision(currency))
    if whole and abs(value) >= 1000:
        return format_currency(round(value), currency, locale=locale, format="¤#,##0",
                               currency_digits=False)
    return format_currency(value, currency, locale=locale)


def money(amount_minor: int | None, currency: str | None = None) -> str:
    """Format integer minor units in the company currency and locale ("—" for no amount)."""
    if amount_minor is None:
        return "—"
    company = request_company()
    code = currency or getattr(company, "currency", None) or "EUR"
    return format_money(amount_minor, code, request_locale())


def to_minor(amount: Decimal | None, currency: str, field: str = "amount") -> int:
    """Exact conversion of a typed amount to minor units (refuses fractions of a cent)."""
    digits = get_currency_precision(currency)
    scaled = (amount or Decimal(0)) * (10 ** digits)
    if not scaled.is_finite():
        raise ValidationError("Enter an amount as a number.", field)
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"Use at most {digits} decimal places for {currency}.", field)
    return check_bound(int(scaled), field)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Minor units as a Decimal in major units (for a form field)."""
    return Decimal(amount_minor) / (Decimal(10) ** get_currency_precision(currency))
