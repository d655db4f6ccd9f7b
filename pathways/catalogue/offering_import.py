"""CSV import of offerings: `parse` checks every row and writes nothing; `apply` writes all.

Header (order free, case-insensitive): `title,type,provider,price,duration_hours,format,
language,url,description,capabilities` — `title`, `type`, `price` and `duration_hours` are
required. `price` is in major units of the company currency ("450", "1299.50"); `provider` is
created when new; `capabilities` lists `Capability name or external id:from-to` separated by
`;` (e.g. `Python:1-3; Stakeholder management:2-3`). A row whose title and provider match an
existing offering updates it; otherwise it creates one. Row numbers count the header as row 1.
All or nothing: one bad row and nothing is imported, with every bad row named.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision
from sqlalchemy import func, select

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import Company, User
from app.money import check_bound
from app.people.importer import RowError
from pathways.capabilities.models import Capability

from . import offerings
from .models import Offering, Provider
from .providers import list_providers, save_provider

COLUMNS = ("title", "type", "provider", "price", "duration_hours", "format", "language", "url",
           "description", "capabilities")
REQUIRED = ("title", "type", "price", "duration_hours")
MAX_ROWS = 20_000
MAX_PRICE = Decimal(offerings.MAX_PRICE_MINOR)  # major units: a generous bound before scaling


@dataclass
class OfferingPlan:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_providers: list[str] = field(default_factory=list)
    creates: int = 0
    updates: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def capability_lookup(company_id: int) -> dict[str, Capability]:
    found: dict[str, Capability] = {}
    for cap in db.session.scalars(select(Capability).where(
            Capability.company_id == company_id, Capability.retired_at.is_(None))):
        found.setdefault(cap.name.lower(), cap)
        if cap.external_id:
            found.setdefault(cap.external_id.lower(), cap)
    return found


def parse_deltas(raw: str, caps: dict[str, Capability]) -> list[offerings.Delta]:
    """`Name or external id:from-to` items separated by `;` or new lines."""
    deltas = []
    for part in [p.strip() for p in raw.replace("\n", ";").split(";") if p.strip()]:
        name, sep, span = part.rpartition(":")
        low, dash, high = span.partition("-")
        if not sep or not dash:
            raise DomainError(f"'{part}' should look like 'Capability:1-3'.", "capabilities")
        cap = caps.get(name.strip().lower())
        if cap is None:
            raise DomainError(f"No capability called '{name.strip()}'.", "capabilities")
        try:
            deltas.append(offerings.Delta(cap.id, int(low), int(high)))
        except ValueError as exc:
            raise DomainError(f"'{span}' should be two whole levels like 1-3.",
                              "capabilities") from exc
    return deltas


def _price(raw: str, currency: str) -> int:
    try:
        value = Decimal(raw.replace(",", "").strip() or "x")
        if not value.is_finite() or abs(value) > MAX_PRICE:
            raise InvalidOperation(raw)
        minor = value * (10 ** get_currency_precision(currency))
    except ArithmeticError as exc:  # InvalidOperation, Overflow: "Infinity", "NaN", "1e999"
        raise DomainError(f"'{raw}' is not a price; write it like 450 or 1299.50.",
                          "price") from exc
    if minor != minor.to_integral_value():
        raise DomainError(f"'{raw}' has more decimals than {currency} allows.", "price")
    return check_bound(int(minor), "price")  # the one money bound (app.money.MAX_MINOR)


def _hours(raw: str) -> float:
    try:
        return float(raw.strip())
    except ValueError as exc:
        raise DomainError(f"'{raw}' is not a number of hours.", "duration_hours") from exc


def check_header(reader: csv.DictReader[str], required: Sequence[str],
                 columns: Sequence[str]) -> str | None:
    """Normalise the reader's header (trimmed, lower case) or say what is wrong with it."""
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h and h not in columns]
    if missing or unknown:
        problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        return "; ".join(problems).capitalize() + f". Expected: {', '.join(columns)}."
    reader.fieldnames = header
    return None


def parse(company_id: int, text: str) -> OfferingPlan:
    """Check every row against the company's providers, capabilities and the offering rules."""
    plan = OfferingPlan()
    company = db.session.get(Company, company_id)
    assert company is not None
    reader = csv.DictReader(io.StringIO(text))
    try:
        problem = check_header(reader, REQUIRED, COLUMNS)
        if problem:
            plan.errors.append(RowError(0, None, problem))
            return plan
        _read_rows(company, plan, reader)
    except csv.Error as exc:  # e.g. a field over the csv module's limit
        plan.errors.append(RowError(reader.line_num, None, f"Not a readable CSV file: {exc}."))
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(0, None, "The file has no offerings below its header."))
    return plan


def _nul_free(row: dict[str, str]) -> None:
    """PostgreSQL cannot store a NUL character: name the first cell that has one."""
    for name, value in row.items():
        if "\x00" in value:
            raise DomainError(f"The {name} contains a NUL character (\\0); remove it.", name)


def _read_rows(company: Company, plan: OfferingPlan, reader: csv.DictReader[str]) -> None:
    """Check each row into `plan` (rows to write, or the errors naming row and field)."""
    company_id = company.id
    providers = {p.name.lower(): p for p in db.session.scalars(
        select(Provider).where(Provider.company_id == company_id))}
    caps = capability_lookup(company_id)
    existing = {(t.lower(), pid): oid for oid, t, pid in db.session.execute(
        select(Offering.id, Offering.title, Offering.provider_id)
        .where(Offering.company_id == company_id))}
    seen: dict[tuple[str, str], int] = {}
    new_providers: dict[str, str] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            plan.errors.append(RowError(0, None, f"At most {MAX_ROWS:,} rows per file."))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        try:
            _nul_free(row)
            provider_name = row.get("provider") or ""
            key = (row.get("title", "").lower(), provider_name.lower())
            if key in seen:
                raise DomainError(f"Same title and provider as row {seen[key]}.", "title")
            seen[key] = number
            data = offerings.OfferingData(
                title=row.get("title", ""), type=(row.get("type") or "").lower(),
                price_minor=_price(row.get("price", ""), company.currency),
                duration_hours=_hours(row.get("duration_hours", "")),
                description=row.get("description"), url=row.get("url"),
                format=(row.get("format") or "online").lower().replace(" ", "_"),
                language=row.get("language") or "en",
                capabilities=parse_deltas(row.get("capabilities", ""), caps))
            offerings.validate_offering(company, data)
            offerings.check_deltas(company_id, data.capabilities)
            if len(provider_name) > 160:
                raise DomainError("Provider must be at most 160 characters.", "provider")
        except DomainError as exc:
            plan.errors.append(RowError(number, exc.field, exc.message))
            continue
        provider = providers.get(provider_name.lower())
        if provider_name and provider is None:
            new_providers.setdefault(provider_name.lower(), provider_name)
        offering_id = existing.get((data.title.strip().lower(), provider.id)) if provider else (
            existing.get((data.title.strip().lower(), None)))
        plan.rows.append({"row": number, "data": data, "provider": provider_name,
                          "offering_id": offering_id})
        if offering_id:
            plan.updates += 1
        else:
            plan.creates += 1
    plan.new_providers = sorted(new_providers.values())


def apply(actor: User, plan: OfferingPlan, progress: Callable[[int], Any] | None = None) -> int:
    """Write a valid plan (flush, no commit): the caller commits once, so it is all or nothing."""
    providers = {p.name.lower(): p for p in list_providers(actor.company_id, True)}
    for name in plan.new_providers:
        providers[name.lower()] = save_provider(actor, name)
    for i, row in enumerate(plan.rows, start=1):
        data: offerings.OfferingData = row["data"]
        provider = providers.get(row["provider"].lower()) if row["provider"] else None
        data.provider_id = provider.id if provider else None
        offering = db.session.get(Offering, row["offering_id"]) if row["offering_id"] else None
        offerings.save_offering(actor, data, offering)
        if progress is not None and i % 100 == 0:
            progress(100)
    if progress is not None:
        progress(len(plan.rows) % 100)
    audit.record(actor, actor.company_id, "offering.import", "company", actor.company_id,
                 f"Imported {len(plan.rows)} offerings ({plan.creates} new, "
                 f"{plan.updates} updated)")
    return len(plan.rows)


def count_live(company_id: int) -> int:
    return db.session.scalar(select(func.count(Offering.id)).where(
        Offering.company_id == company_id, Offering.retired_at.is_(None))) or 0
