"""CSV import of external coaches: `parse` checks every row and writes nothing; `apply` writes.

Header (order free, case-insensitive): `name,email,hourly_rate_minor,currency,timezone,
capabilities,organisation,monthly_cap,session_minutes,bio` — `name`, `email`,
`hourly_rate_minor` and `timezone` are required. The rate is in minor units of the company
currency (`12000` is 120.00); `currency`, when given, must be the company's. `capabilities` lists
`Capability name or external id:level` separated by `;` (e.g. `Negotiation:4; Python:3`).
A row with the e-mail of an existing coach updates that coach (and adds or changes the levels
it lists; capabilities it does not list stay offered). Row numbers count the header as row 1.
All or nothing: one bad row and nothing is imported, with every bad row named.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import User
from app.money import check_bound
from app.people.importer import RowError
from app.validators import normalise_email
from pathways.capabilities.models import Capability
from pathways.catalogue.offering_import import capability_lookup, check_header

from . import mentors
from .models import MentorKind, MentorProfile

COLUMNS = ("name", "email", "hourly_rate_minor", "currency", "timezone", "capabilities",
           "organisation", "monthly_cap", "session_minutes", "bio")
REQUIRED = ("name", "email", "hourly_rate_minor", "timezone")
MAX_ROWS = 5_000
DEFAULT_CAP = 8


@dataclass
class CoachRow:
    row: int
    data: mentors.CoachData
    offers: list[tuple[Capability, int]]
    coach_id: int | None


@dataclass
class CoachPlan:
    rows: list[CoachRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    creates: int = 0
    updates: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _whole(raw: str, name: str, what: str, default: int | None = None) -> int:
    if not raw and default is not None:
        return default
    try:
        return int(raw.replace(",", "").replace("_", ""))
    except ValueError as exc:
        raise DomainError(f"'{raw}' is not {what}.", name) from exc


def parse_offers(raw: str, caps: dict[str, Capability]) -> list[tuple[Capability, int]]:
    """`Name or external id:level` items separated by `;` or new lines."""
    offers: dict[int, tuple[Capability, int]] = {}
    for part in [p.strip() for p in raw.replace("\n", ";").split(";") if p.strip()]:
        name, sep, level = part.rpartition(":")
        if not sep:
            raise DomainError(f"'{part}' should look like 'Capability:4'.", "capabilities")
        cap = caps.get(name.strip().lower())
        if cap is None:
            raise DomainError(f"No capability called '{name.strip()}'.", "capabilities")
        value = _whole(level.strip(), "capabilities", "a whole level like 4")
        top = cap.framework.scale.max_level
        if not 1 <= value <= top:
            raise DomainError(f"{cap.name}: choose a level from 1 to {top}.", "capabilities")
        offers[cap.id] = (cap, value)
    return list(offers.values())


def _refuse_nul(raw: dict[str | None, Any]) -> None:
    """A NUL character anywhere in the row (PostgreSQL cannot store it), naming its column."""
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise DomainError("Remove the NUL character from this value.", key)


def parse(company_id: int, text: str) -> CoachPlan:
    """Check every row against the company's coaches, capabilities and the coach rules."""
    plan = CoachPlan()
    reader = csv.DictReader(io.StringIO(text))
    problem = check_header(reader, REQUIRED, COLUMNS)
    if problem:
        plan.errors.append(RowError(0, None, problem))
        return plan
    caps = capability_lookup(company_id)
    existing = {email: coach for email, coach in db.session.execute(
        select(MentorProfile.external_email, MentorProfile).where(
            MentorProfile.company_id == company_id,
            MentorProfile.kind == MentorKind.EXTERNAL.value))}
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            plan.errors.append(RowError(0, None, f"At most {MAX_ROWS:,} rows per file."))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        try:
            _refuse_nul(raw)
            email = normalise_email(row.get("email") or "", "email")
            if email in seen:
                raise DomainError(f"Same e-mail as row {seen[email]}.", "email")
            seen[email] = number
            data = mentors.CoachData(
                row.get("timezone", ""),
                _whole(row.get("monthly_cap", ""), "monthly_cap", "a number of sessions",
                       DEFAULT_CAP),
                _whole(row.get("session_minutes", ""), "session_minutes", "a number of minutes",
                       60),
                row.get("bio") or None, True, name=row.get("name", ""), email=email,
                hourly_rate_minor=check_bound(_whole(  # the one money bound (app.money)
                    row.get("hourly_rate_minor", ""), "hourly_rate_minor",
                    "a whole number of minor units (12000 for 120.00)"), "hourly_rate_minor"),
                currency=row.get("currency", ""), organisation=row.get("organisation") or None)
            coach = existing.get(email)
            mentors.check_coach(company_id, data, coach)
            offers = parse_offers(row.get("capabilities", ""), caps)
        except DomainError as exc:
            plan.errors.append(RowError(number, exc.field, exc.message))
            continue
        plan.rows.append(CoachRow(number, data, offers, coach.id if coach else None))
        if coach:
            plan.updates += 1
        else:
            plan.creates += 1
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(0, None, "The file has no coaches below its header."))
    elif "\x00" in text and not plan.errors:  # in the header or a blank row: refuse the file
        plan.errors.append(RowError(0, None, "The file contains a NUL character; remove it."))
    return plan


def apply(actor: User, plan: CoachPlan, progress: Callable[[int], Any] | None = None) -> int:
    """Write a valid plan (flush, no commit): the caller commits once, so it is all or nothing."""
    for row in plan.rows:
        coach = db.session.get(MentorProfile, row.coach_id) if row.coach_id else None
        if coach is not None:
            row.data.active = coach.active  # an import does not resume a paused coach
        coach = mentors.save_coach(actor, row.data, coach)
        for capability, level in row.offers:
            mentors.offer_capability(actor, coach, capability, level)
        if progress is not None:
            progress(1)
    audit.record(actor, actor.company_id, "mentor.coach_import", "company", actor.company_id,
                 f"Imported {len(plan.rows)} coaches ({plan.creates} new, "
                 f"{plan.updates} updated)")
    return len(plan.rows)

