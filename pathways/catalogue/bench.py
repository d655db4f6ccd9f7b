"""Benchmarks of the catalogue (for scripts/bench.py), in milliseconds.

On the demo database (`pathways.capabilities.bench.seed_demo(app, 10_000)`), `grow_catalogue` bulk-adds
offerings to Acme Robotics until it has 5,000 (each developing one or two capabilities of the
demo framework, with ratings), then the searches are timed in-process. Target (issue 4):
catalogue search under 50 ms. The recommendations on that catalogue are the learning room's
benchmark, run right after this one.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import Company
from pathways.capabilities.bench import _page, _timed
from pathways.capabilities.models import Capability

from . import offerings
from . import search as catalogue_search  # `search` is a benchmark below
from .models import OFFERING_FORMATS, OFFERING_TYPES, Offering, OfferingCapability

WORDS = ["practical", "advanced", "foundations", "masterclass", "handbook", "bootcamp",
         "workshop", "essentials", "deep dive", "certified", "summit", "clinic"]


def _acme() -> Company:
    """The demo company the benchmarks run on (`make bench` seeds it first)."""
    acme: Company | None = db.session.scalar(select(Company).where(Company.slug == "acme"))
    assert acme is not None, "seed the demo data first"
    return acme


def grow_catalogue(app: Flask, total: int = 5_000) -> dict[str, float]:
    """Bulk-insert offerings into Acme until it has `total`; committed (bench data)."""
    rng = random.Random(4)
    with app.app_context():
        acme = _acme()
        have = db.session.scalar(select(func.count(Offering.id)).where(
            Offering.company_id == acme.id)) or 0
        caps = list(db.session.execute(select(Capability.id, Capability.name).where(
            Capability.company_id == acme.id)))
        missing = max(0, total - have)
        for start in range(0, missing, 1000):
            batch, develops = [], []
            for i in range(start, min(missing, start + 1000)):
                picked = rng.sample(caps, 2 if i % 3 == 0 else 1)
                title = f"{picked[0][1]} {rng.choice(WORDS)} {i}"
                description = f"Learn {picked[0][1].lower()} with exercises and a final project."
                count = rng.randint(0, 12)
                batch.append({
                    "company_id": acme.id, "type": OFFERING_TYPES[i % len(OFFERING_TYPES)],
                    "title": title, "description": description,
                    "price_minor": rng.choice([0, 2_900, 4_900, 19_900, 49_900, 129_900]),
                    "currency": acme.currency, "duration_hours": float(rng.choice([2, 8, 16, 40])),
                    "format": OFFERING_FORMATS[i % 3], "language": "en",
                    "search_text": offerings.search_text_for(title, description, None,
                                                             [n for _c, n in picked]),
                    "rating_count": count, "rating_sum": count * rng.randint(2, 5)})
                develops.append([c for c, _n in picked])
            ids = db.session.scalars(insert(Offering).returning(Offering.id), batch).all()
            deltas = []
            for oid, cap_ids in zip(ids, develops, strict=True):
                for cid in cap_ids:
                    low = rng.randint(0, 2)
                    deltas.append({"offering_id": oid, "capability_id": cid,
                                   "company_id": acme.id, "from_level": low,
                                   "to_level": low + rng.randint(1, 2)})
            if deltas:
                db.session.execute(insert(OfferingCapability), deltas)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # A bulk load leaves the planner without statistics until autovacuum runs;
            # a live catalogue grows slowly and is analysed as it goes.
            db.session.execute(text("ANALYZE catalogue_offerings, catalogue_offering_capabilities"))
            db.session.commit()
        return {"offerings": have + missing}


def search(app: Flask, repeat: int = 30) -> dict[str, dict[str, float]]:
    """First page (20) and total of typical searches, through the service (SQL + paging)."""
    with app.app_context():
        acme = _acme()
        cap = db.session.scalar(select(Capability.id).where(
            Capability.company_id == acme.id, Capability.name == "Data analysis"))
        cases = {
            "text 'data analysis'": catalogue_search.SearchParams(q="data analysis"),
            "text + type + price ≤ €500, by price": catalogue_search.SearchParams(
                q="practical", type="course", price_max=50_000, sort="price"),
            "capability filter, by rating": catalogue_search.SearchParams(capability_id=cap,
                                                                    sort="rating"),
            "everything, by title": catalogue_search.SearchParams(sort="title"),
        }
        results = {}
        for name, params in cases.items():
            def run(params: catalogue_search.SearchParams = params) -> None:
                page = db.paginate(catalogue_search.search(acme.id, params), page=1, per_page=20,
                                   error_out=False)
                catalogue_search.deltas_by_offering([o.id for o in page.items])

            results[name] = _timed(run, repeat)
        return results


def run(app: Flask, record: Callable[[str, str, float | str, str], None]) -> None:
    """Hook for scripts/bench.py: `record(section, metric, seconds_or_value, goal)` per row."""
    grown = grow_catalogue(app)
    record("catalogue", "offerings in the catalogue", f"{int(grown['offerings']):,}", "5,000")
    for name, timing in search(app).items():
        record("catalogue", f"search: {name} (page 1 + total)", timing["median_ms"] / 1000,
               "< 50 ms")
    page = _page(app, "employee@acme.test", "/catalogue?q=data+analysis&sort=rating", 20)
    record("catalogue", "GET /catalogue?q=data+analysis (page)", page["median_ms"] / 1000, "")
