"""Benchmarks of the capability report for scripts/bench.py (`run(app, record)`).

On the demo company grown to 10,000 employees (issue 7 goals): the summary JSON under 1 s;
the full PDF under 5 s with peak memory under 500 MB; the share of the time spent in SQL
queries versus in WeasyPrint; and the floor: WeasyPrint printing static HTML of the same
number of pages (no queries, no charts).
"""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from app import demo
from app.extensions import db
from app.models import Company, User

Record = Callable[[str, str, Any, str], None]


@contextmanager
def query_clock() -> Iterator[list[float]]:
    """Total seconds spent executing SQL statements inside the block (in `[0]`)."""
    spent = [0.0]
    started: list[float] = []

    def before(*_a: Any) -> None:
        started.append(time.perf_counter())

    def after(*_a: Any) -> None:
        spent[0] += time.perf_counter() - started.pop()

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)


def _median(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def static_floor(pages: int) -> float:
    """Seconds WeasyPrint takes for `pages` pages of static text and tables."""
    from weasyprint import HTML

    from .fetcher import LockedFetcher
    from .pdf import STATIC

    rows = "".join(f"<tr><td>Row {i}</td><td>{i * 7}</td><td>{i % 13} %</td></tr>"
                   for i in range(40))
    body = "".join(f'<section style="break-before: page"><h2>Page {n}</h2><p>'
                   + "Static text. " * 60 + f"</p><table>{rows}</table></section>"
                   for n in range(pages))
    html = f'<html><head><link rel="stylesheet" href="css/report-pdf.css"></head><body>{body}'
    start = time.perf_counter()
    HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=LockedFetcher(STATIC)).write_pdf()
    return time.perf_counter() - start


def run(app: Flask, record: Record) -> None:
    from app.auth import service

    from . import datasets, pdf, summary_cache

    company = db.session.scalar(select(Company).where(Company.slug == "acme"))
    if company is None:
        record("reports", "skipped: no demo company", "", "")
        return
    people = db.session.query(User).filter_by(company_id=company.id).count()
    executive = demo.person("exec@acme.test")
    _token, secret = service.create_token(executive, "bench")
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    def summary(cold: bool = True) -> None:
        if cold:  # time the SQL, not the cache
            summary_cache.clear()
        response = client.get("/api/v1/reports/summary", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    record("reports", f"GET /api/v1/reports/summary ({people:,} people, fiscal YTD), "
           "computed (cache emptied)", _median(summary, 5), "< 1 s")
    record("reports", "GET /api/v1/reports/summary again, same data (cached answer)",
           _median(lambda: summary(cold=False), 5), "< 1 s")

    params = datasets.parse_params(company, None, None, None)
    pdf.render(datasets.build(company, params))  # warm up: templates, fonts
    start = time.perf_counter()
    with query_clock() as sql:
        data = datasets.build(company, params)
    built = time.perf_counter()
    rendered = pdf.render(data)
    total = time.perf_counter() - start
    # Memory in a second run: tracemalloc slows Python down, so it is not on the timed run.
    tracemalloc.start()
    pdf.render(datasets.build(company, params))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    record("reports", f"full PDF: dataset + render ({rendered.pages} pages)", total, "< 5 s")
    # SQLite runs a query while its rows are fetched, so the cursor clock (`sql`) undercounts
    # there; cProfile puts well over 90 % of the dataset's time inside the database driver.
    record("reports", "  of which the dataset (SQL aggregates, rows fetched)", built - start,
           f"{(built - start) / total:.0%} of the total; statements alone {sql[0]:.2f} s")
    record("reports", "  of which HTML and charts (Jinja, SVG)", rendered.seconds_html,
           f"{rendered.seconds_html / total:.0%}")
    record("reports", "  of which WeasyPrint (layout and PDF)", rendered.seconds_pdf,
           f"{rendered.seconds_pdf / total:.0%}")
    record("reports", "full PDF: peak Python memory while rendering (tracemalloc)",
           f"{peak / 2**20:.0f} MB", "< 500 MB")
    record("reports", "process peak RSS after the PDF (ru_maxrss, whole benchmark)",
           f"{rss / 1024:.0f} MB", "< 500 MB")
    record("reports", f"floor: WeasyPrint on {rendered.pages} pages of static HTML",
           static_floor(rendered.pages), "")
