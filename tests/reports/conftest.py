"""A small company with a hand-computed answer key for the capability report.

Small Co: teams Alpha (A1–A6) and Beta (B1–B3) plus an admin without a team; everyone is an
Analyst, who needs Data analysis at level 3 (weight 2) and Writing at level 2 (weight 1).
The report period is the first half of 2025; the previous period is the 181 days before it.
Ledger rows are stamped with the day each movement happened (the story is told in 2025).

`web` is a local HTTP server that records every request, for the tests that prove a PDF fetches
nothing; `text_of` and `fonts_of` read a PDF back.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Company, Team, User
from billing import budgets, holds, policies, wallet
from billing.models import LedgerTransaction
from billing.policies import Period, PolicyData
from pathways.capabilities.models import Capability
from tests.pathways.conftest import (  # noqa: F401  (fixtures)
    assign,
    evidence,
    make_capability,
    make_framework,
    make_role,
)

START, END = date(2025, 1, 1), date(2025, 6, 30)
FY2024 = Period(date(2024, 1, 1), date(2024, 12, 31))
FY2025 = Period(date(2025, 1, 1), date(2025, 12, 31))


@dataclass
class World:
    company: Company
    admin: User
    alpha: Team
    beta: Team
    people: dict[str, User]
    data: Capability
    writing: Capability


def _dated(when: date, fn: Callable[[], Any]) -> Any:
    """Run a money movement and stamp its ledger transactions with `when`."""
    last = db.session.scalar(select(func.max(LedgerTransaction.id))) or 0
    result = fn()
    db.session.execute(update(LedgerTransaction).where(LedgerTransaction.id > last)
                       .values(created_at=datetime.combine(when, datetime.min.time())))
    db.session.commit()
    return result


@pytest.fixture
def small(make_company: Any, make_team: Any, make_user: Any,  # noqa: F811 (fixtures)
          make_capability: Any, make_role: Any, assign: Any, evidence: Any) -> World:  # noqa: F811
    company = make_company("Small Co", "small", currency="EUR", fiscal_year_start_month=1)
    admin = make_user(company, email="hr@small.test", name="Hal Admin",
                      roles=("admin", "executive", "employee"), start_date=None)
    alpha, beta = make_team(company, "Alpha"), make_team(company, "Beta")
    people = {}
    for name in ("A1", "A2", "A3", "A4", "A5", "A6", "B1", "B2", "B3"):
        people[name] = make_user(company, email=f"{name.lower()}@small.test", name=f"Person {name}",
                                 team=alpha if name[0] == "A" else beta,
                                 start_date=date(2020, 1, 1))
    data = make_capability(company, "Data analysis", category="Data")
    writing = make_capability(company, "Writing", category="Communication")
    analyst = make_role(company, "Analyst", requires={data: (3, 2), writing: (2, 1)})
    for person in people.values():
        assign(person, analyst)
    p = people
    for who, cap, level, on in (
            ("A1", data, 2, date(2024, 10, 1)), ("A1", writing, 2, date(2024, 10, 1)),
            ("A1", data, 3, date(2025, 3, 1)),
            ("A2", data, 3, date(2024, 11, 1)), ("A2", writing, 1, date(2025, 2, 1)),
            ("A2", writing, 3, date(2025, 5, 15)),
            ("A3", data, 1, date(2025, 1, 10)), ("A3", data, 4, date(2025, 4, 1)),
            ("A3", data, 2, date(2025, 6, 1)),
            ("A4", writing, 2, date(2025, 6, 10)),
            ("A5", data, 3, date(2025, 7, 15)),
            ("A6", writing, 2, date(2024, 6, 1)),
            ("B1", data, 3, date(2025, 2, 10)),
            ("B2", writing, 2, date(2025, 3, 3))):
        evidence(p[who], cap, level, "manager", on=on, author=admin)

    policies.save_policy(admin, PolicyData("default", 100_000))
    wallet.record_bank_transfer(admin, company, 10_000_000, "OPENING", "fund-small")
    budgets.run_allocation(admin, company, FY2024, FY2024.end, key="alloc-2024")
    budgets.run_allocation(admin, company, FY2025, FY2025.end, key="alloc-2025")
    db.session.commit()

    def buy(who: str, amount: int, held_on: date, captured_on: date | None, n: int) -> Any:
        hold = _dated(held_on, lambda: holds.hold(p[who], p[who], amount, f"demo:{n}",
                                                  f"hold-{n}", on=held_on))
        if captured_on is not None:
            _dated(captured_on, lambda: holds.capture(admin, hold, f"capture-{n}"))
        return hold

    buy("A1", 15_000, date(2024, 10, 20), date(2024, 11, 1), 1)  # previous period
    buy("A1", 40_000, date(2025, 2, 1), date(2025, 2, 5), 2)
    a2 = buy("A2", 30_000, date(2025, 3, 1), date(2025, 3, 10), 3)
    _dated(date(2025, 4, 1), lambda: holds.refund(admin, a2, 10_000, "refund-3", "Half day"))
    buy("A3", 25_000, date(2025, 6, 1), None, 4)  # still held
    buy("A4", 50_000, date(2025, 6, 20), date(2025, 7, 10), 5)  # captured after the period
    buy("B1", 60_000, date(2025, 5, 1), date(2025, 5, 20), 6)
    db.session.commit()
    return World(company, admin, alpha, beta, people, data, writing)


@dataclass
class Web:
    url: str
    requests: list[str] = field(default_factory=list)


#: What the `web` server answers: a stylesheet and an attachment whose text shows when loaded.
WEB_FILES = {
    "/style.css": (b'p.web::after { content: " LOADED-OVER-HTTP"; }', "text/css"),
    "/note.txt": (b"attached over http", "text/plain"),
    "/pixel.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
                   "image/svg+xml"),
}


@pytest.fixture
def web() -> Iterator[Web]:
    """A real HTTP server on 127.0.0.1 that serves WEB_FILES, redirects /redirect to
    /style.css, and records the path of every request it receives."""
    site = Web("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            site.requests.append(self.path)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/style.css")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, kind = WEB_FILES.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in WEB_FILES else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the API's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_port}"
    yield site
    server.shutdown()
    server.server_close()
    thread.join()


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(pdf: bytes) -> set[str]:
    """The fonts a PDF's pages use, without the subset prefix ("DejaVu-Sans-Bold", …)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names
