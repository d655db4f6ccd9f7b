"""The executive PDF: the dataset rendered to HTML (Jinja, autoescaped) and printed by WeasyPrint.

Security: WeasyPrint only ever sees our template, whose every user-provided text (company,
team, capability, pathway, provider and people's names) is escaped by Jinja, and it fetches
through `reports.fetcher.LockedFetcher`, which serves `data:` URIs and files inside our `static/`
folder and refuses everything else (no network, no redirects, no other files), so a name such as
`<link rel=attachment href=file:///etc/hostname>` prints as text and fetches nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template

from app import ROOT

from . import charts
from .datasets import Dataset

STATIC = (ROOT / "static").resolve()


def report_html(data: Dataset) -> str:
    """The report as one HTML document (also the static-HTML floor of the benchmark)."""
    f = data.fmt
    growth = charts.monthly_columns(
        data.months, [(s.name, s.values) for s in data.growth],
        "Capability levels gained per month") if data.growth else None
    visible = [t for t in data.teams if t.people]
    spend_chart = charts.money_bars(
        [(t.name, None if t.hidden else t.spend_minor, None if t.hidden else t.allocated_minor)
         for t in visible], "Spend against budget per team", f.money) if visible else None
    offering_chart = charts.money_bars(
        [(f"{s.kind} · {s.provider}" if s.provider != "—" else s.kind, s.spend_minor, None)
         for s in data.spend_by_offering[:8]], "Spend by offering type and provider",
        f.money) if data.spend_by_offering else None
    from pathways.capabilities.charts import Bar, level_bars
    from pathways.capabilities.levels import RULE_SENTENCE

    shown = [t for t in visible if not t.hidden and isinstance(t.coverage, float)]
    coverage = level_bars([Bar(t.name, round(t.coverage * 100), 100) for t in shown], 100,
                          f"Coverage of role requirements on {f.date(data.params.end)}",
                          unit="%") if shown else None

    return render_template("reports/pdf.html", d=data, f=f, growth_chart=growth,
                           spend_chart=spend_chart, offering_chart=offering_chart,
                           coverage_chart=coverage,
                           heat_class=charts.heat_class, rule=RULE_SENTENCE)


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    seconds_html: float
    seconds_pdf: float


def render(data: Dataset, progress: Callable[[str], None] | None = None) -> Rendered:
    """Print the report to PDF bytes (A4, page numbers, footer, title and metadata)."""
    from weasyprint import HTML

    from .fetcher import LockedFetcher

    step = progress or (lambda _s: None)
    started = time.perf_counter()
    html = report_html(data)
    built = time.perf_counter()
    step("laying out the pages")
    document = HTML(string=html, base_url=STATIC.as_uri() + "/",
                    url_fetcher=LockedFetcher(STATIC)).render()
    step("writing the PDF")
    pdf = document.write_pdf()
    return Rendered(pdf, len(document.pages), built - started, time.perf_counter() - built)


def filename(data: Dataset) -> str:
    scope = f"-team-{data.params.team_id}" if data.params.team_id else ""
    return (f"capability-report-{data.company_slug}-{data.params.start.isoformat()}-"
            f"{data.params.end.isoformat()}{scope}.pdf")
