"""CSV import of people: validate every row first, then write all of them or none.

Columns: `email,name,team,manager_email,job_title,access_roles,start_date`. Row numbers count the
header as row 1, as a spreadsheet shows them. Roles are separated by `;` (e.g. `employee;manager`).
Teams that do not exist yet are created; managers may be existing people or rows of the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select, update

from .. import audit, signals
from ..errors import DomainError
from ..extensions import db
from ..models import ACCESS_ROLES, Company, Team, User, UserRole, UserStatus
from ..validators import normalise_email

COLUMNS = ("email", "name", "team", "manager_email", "job_title", "access_roles", "start_date")
REQUIRED = ("email", "name")
# The longest value each column takes: the database columns (users, teams), the rest generous.
MAX_CHARS = {"email": 254, "name": 200, "team": 120, "manager_email": 254, "job_title": 200,
             "access_roles": 200, "start_date": 30}
MAX_ROWS = 100_000
CHUNK = 1000


@dataclass(frozen=True)
class RowError:
    row: int  # 1 = header; 0 = the file as a whole
    field: str | None
    message: str

    def __str__(self) -> str:
        where = "File" if self.row == 0 else f"Row {self.row}"
        return f"{where}{f' ({self.field})' if self.field else ''}: {self.message}"


@dataclass
class PeoplePlan:
    rows: list[dict[str, object]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _read(text: str, plan: PeoplePlan) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not header:
        plan.errors.append(RowError(0, None, "The file is empty; the first line must be the header "
                                    + ",".join(COLUMNS) + "."))
        return []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing:
        plan.errors.append(RowError(0, None, f"Missing column {', '.join(missing)}; "
                                    f"the header must name {','.join(COLUMNS)}."))
    if unknown:
        plan.errors.append(RowError(0, None, f"Unknown column {', '.join(unknown)}; "
                                    f"allowed: {','.join(COLUMNS)}."))
    if missing or unknown:
        return []
    reader.fieldnames = header
    rows = []
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            plan.errors.append(RowError(number, None, "More values than columns."))
            continue
        values = {k: (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue  # blank line
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            plan.errors.append(RowError(0, None, f"More than {MAX_ROWS} rows; split the file."))
            return []
    if not rows and not plan.errors:
        plan.errors.append(RowError(0, None, "The file has a header but no people."))
    return rows


def _text_problems(number: int, values: dict[str, str]) -> list[RowError]:
    """Values PostgreSQL cannot store: a NUL byte, or longer than the column."""
    problems = []
    for column in COLUMNS:
        value = values.get(column, "")
        if "\x00" in value:
            problems.append(RowError(number, column, f"'{column}' contains a NUL character."))
        elif len(value) > MAX_CHARS[column]:
            problems.append(RowError(number, column, f"'{column}' is {len(value)} characters long; "
                                     f"at most {MAX_CHARS[column]} fit."))
    return problems


def _existing_people(company_id: int, emails: list[str]) -> dict[str, int]:
    """email -> user id for the addresses this company's people already have. Other companies
    are never looked at: an address is unique per company, and a refusal would tell who works
    elsewhere."""
    found: dict[str, int] = {}
    for i in range(0, len(emails), 500):
        chunk = emails[i : i + 500]
        for uid, email in db.session.execute(
            select(User.id, User.email).where(User.company_id == company_id, User.email.in_(chunk))
        ):
            found[email] = uid
    return found


def _cycles(manager_of: dict[str, str]) -> set[str]:
    """E-mails (of file rows) that sit on a management cycle."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    on_cycle: set[str] = set()
    for start in manager_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in manager_of and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = manager_of[node]
        if node is not None and state.get(node) == 1:
            on_cycle.update(path[path.index(node) :])
        for p in path:
            state[p] = 2
    return on_cycle


def _email(number: int, raw: str, first_row: dict[str, int], errs: list[RowError]) -> str:
    """The row's address, normalised; a bad or repeated one is added to `errs`."""
    try:
        email = normalise_email(raw)
    except DomainError:
        errs.append(RowError(number, "email", f"'{raw}' is not a valid e-mail address."
                             if raw else "E-mail is missing."))
        return raw
    if email in first_row:
        errs.append(RowError(number, "email",
                             f"Duplicate e-mail {email} (also on row {first_row[email]})."))
    else:
        first_row[email] = number
    return email


def _row(number: int, v: dict[str, str], first_row: dict[str, int],
         errors: list[RowError]) -> dict[str, object]:
    """One row checked on its own (address, name, roles, date, lengths), as a plan row."""
    errs: list[RowError] = []
    email = _email(number, v.get("email", ""), first_row, errs)
    if not v.get("name"):
        errs.append(RowError(number, "name", "Name is missing."))
    roles = [r.strip().lower() for r in v.get("access_roles", "").replace("|", ";").split(";")
             if r.strip()] or ["employee"]
    bad = [r for r in roles if r not in ACCESS_ROLES]
    if bad:
        errs.append(RowError(number, "access_roles", f"Unknown access role '{', '.join(bad)}'; "
                             f"use {', '.join(ACCESS_ROLES)} separated by ';'."))
    start: date | None = None
    if v.get("start_date"):
        try:
            start = date.fromisoformat(v["start_date"])
        except ValueError:
            errs.append(RowError(number, "start_date",
                                 f"Bad date '{v['start_date']}'; use YYYY-MM-DD."))
    errs.extend(_text_problems(number, v))
    errors.extend(errs)
    return {
        "email": email, "name": v.get("name", ""), "team": v.get("team") or None,
        "manager_email": (v.get("manager_email") or "").lower() or None,
        "job_title": v.get("job_title") or None, "access_roles": sorted(set(roles)),
        "start_date": start, "_ok": not errs,
    }


def _check_people(company_id: int, parsed: list[tuple[int, dict[str, object]]],
                  errors: list[RowError]) -> None:
    """Rows against the company and each other: taken addresses, unknown managers, cycles."""
    existing = _existing_people(company_id, [str(r["email"]) for _, r in parsed] + [
        str(r["manager_email"]) for _, r in parsed if r["manager_email"]])
    company = db.session.get(Company, company_id)
    for number, r in parsed:
        if str(r["email"]) in existing:
            errors.append(RowError(number, "email", f"{r['email']} already belongs to someone "
                                   f"in {company.name if company else 'this company'}; "
                                   "edit that person instead."))
            r["_ok"] = False
    in_file = {str(r["email"]) for _, r in parsed}
    manager_of: dict[str, str] = {}
    for number, r in parsed:
        m = r["manager_email"]
        if not m:
            continue
        if m == r["email"]:
            errors.append(RowError(number, "manager_email", "Manager cycle: a person cannot "
                                   "manage themselves."))
        elif m in in_file:
            manager_of[str(r["email"])] = str(m)
        elif str(m) not in existing:
            errors.append(RowError(number, "manager_email",
                                   f"Unknown manager {m}: not in this company or this file."))
    cyclic = _cycles(manager_of)
    for number, r in parsed:
        if str(r["email"]) in cyclic:
            errors.append(RowError(number, "manager_email",
                                   f"Manager cycle: {r['email']} ends up managing themselves "
                                   "through their managers."))


def parse(company_id: int, text: str) -> PeoplePlan:
    """Validate a people CSV against the company; nothing is written."""
    plan = PeoplePlan()
    rows = _read(text, plan)
    if not rows:
        return plan
    first_row: dict[str, int] = {}
    parsed = [(number, _row(number, v, first_row, plan.errors)) for number, v in rows]
    _check_people(company_id, parsed, plan.errors)
    known_teams = set(db.session.scalars(select(Team.name).where(Team.company_id == company_id)))
    plan.new_teams = sorted({str(r["team"]) for _, r in parsed if r["team"]} - known_teams)
    plan.rows = [dict(r, row=n) for n, r in parsed]
    plan.errors.sort(key=lambda e: (e.row, e.field or ""))
    return plan


def apply(actor: User, plan: PeoplePlan, progress: Callable[[int], None] | None = None) -> int:
    """Write a valid plan in bulk (flush, no commit); returns the number of people created."""
    assert plan.ok, "apply() needs a plan without errors"
    company_id = actor.company_id
    for name in plan.new_teams:
        db.session.add(Team(company_id=company_id, name=name))
    db.session.flush()
    team_ids = dict(db.session.execute(
        select(Team.name, Team.id).where(Team.company_id == company_id)).all())
    records = [{
        "company_id": company_id, "email": r["email"], "name": r["name"],
        "team_id": team_ids.get(str(r["team"])) if r["team"] else None,
        "job_title": r["job_title"], "start_date": r["start_date"],
        "status": UserStatus.ACTIVE.value, "session_version": 1,
    } for r in plan.rows]
    for i in range(0, len(records), CHUNK):
        db.session.execute(insert(User), records[i : i + CHUNK])
        if progress:
            progress(len(records[i : i + CHUNK]))
    ids = _existing_people(company_id, [str(r["email"]) for r in plan.rows]
                           + [str(r["manager_email"]) for r in plan.rows if r["manager_email"]])
    roles = [{"user_id": ids[str(r["email"])], "role": role}
             for r in plan.rows for role in r["access_roles"]]  # type: ignore[attr-defined]
    managers = [{"id": ids[str(r["email"])], "manager_id": ids[str(r["manager_email"])]}
                for r in plan.rows if r["manager_email"]]
    for i in range(0, len(roles), CHUNK):
        db.session.execute(insert(UserRole), roles[i : i + CHUNK])
    for i in range(0, len(managers), CHUNK):
        db.session.execute(update(User), managers[i : i + CHUNK])
    signals.people_joined.send(actor, person_ids=[ids[str(r["email"])] for r in plan.rows])
    audit.record(actor, company_id, "user.import", "user", None,
                 f"Imported {len(records)} people from CSV",
                 {"people": (None, len(records)), "new_teams": (None, plan.new_teams)})
    db.session.flush()
    return len(records)
