"""CSV import of offerings: every bad row named, all or nothing, updates by title + provider, CLI."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from pathways.catalogue import offering_import as oi
from pathways.catalogue.models import Offering, Provider

GOOD = """title,type,provider,price,duration_hours,format,language,url,description,capabilities
Python for data work,course,O'Reilly,450,12,online,en,https://oreilly.test/py,Pandas,Python:1-3
Fluent Python,book,,45.90,20,,,,,python:2-4; trellis:sql:1-2
Influence,coaching,Leadership Lab,"1,200",4,in person,,,,
"""


def _setup(make_company, make_user, make_capability):
    acme = make_company(name="Acme")
    hr = make_user(acme, roles=("admin",))
    make_capability(acme, "Python")
    make_capability(acme, "SQL", external_id="trellis:sql")
    return acme, hr


def test_a_good_file_creates_offerings_and_providers(make_company, make_user, make_capability):
    acme, hr = _setup(make_company, make_user, make_capability)
    plan = oi.parse(acme.id, GOOD)
    assert plan.ok, [str(e) for e in plan.errors]
    assert (plan.creates, plan.updates, plan.new_providers) == (3, 0, ["Leadership Lab",
                                                                       "O'Reilly"])
    oi.apply(hr, plan)
    db.session.commit()
    rows = {o.title: o for o in db.session.scalars(select(Offering))}
    assert rows["Fluent Python"].price_minor == 4590 and rows["Fluent Python"].provider is None
    assert rows["Influence"].price_minor == 120_000 and rows["Influence"].format == "in_person"
    assert [(d.capability.name, d.from_level, d.to_level)
            for d in rows["Fluent Python"].capabilities] == [("Python", 2, 4), ("SQL", 1, 2)]
    # Importing again with a new price updates instead of duplicating.
    again = oi.parse(acme.id, GOOD.replace(",450,", ",500,"))
    assert (again.creates, again.updates, again.new_providers) == (0, 3, [])
    oi.apply(hr, again)
    db.session.commit()
    assert db.session.scalar(select(func.count(Offering.id))) == 3
    assert rows["Python for data work"].price_minor == 50_000


def test_every_bad_row_is_named_and_nothing_is_written(make_company, make_user, make_capability):
    acme, _hr = _setup(make_company, make_user, make_capability)
    text = """title,type,price,duration_hours,capabilities,currency_code
"""
    plan = oi.parse(acme.id, text)
    assert [str(e) for e in plan.errors] == [
        "File: Unknown column(s) currency_code. Expected: title, type, provider, price, "
        "duration_hours, format, language, url, description, capabilities."]
    bad = """title,type,price,duration_hours,capabilities,url
,course,10,1,,
Cheap,course,ten,1,,
Exact,course,10.005,1,,
Movie,film,10,1,,
Hours,course,10,lots,,
Levels,course,10,1,Python:3-1,
Unknown cap,course,10,1,Cobol:1-2,
Syntax,course,10,1,Python 1 to 3,
Link,course,10,1,,ftp://x
Dup,course,10,1,,
Dup,course,10,1,,
"""
    plan = oi.parse(acme.id, bad)
    assert not plan.ok
    assert [(e.row, e.field) for e in plan.errors] == [
        (2, "title"), (3, "price"), (4, "price"), (5, "type"), (6, "duration_hours"),
        (7, "capabilities"), (8, "capabilities"), (9, "capabilities"), (10, "url"),
        (12, "title")]
    assert db.session.scalar(select(func.count(Offering.id))) == 0
    assert oi.parse(acme.id, "title,type,price,duration_hours\n").errors[0].row == 0


def test_cli_imports_with_a_progress_bar_or_lists_problems(app, make_company, make_user,
                                                           make_capability, tmp_path):
    acme, _hr = _setup(make_company, make_user, make_capability)
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("title,type,price,duration_hours\nX,course,free,1\n", encoding="utf-8")
    result = runner.invoke(args=["import-offerings", "--company", acme.slug, str(bad)])
    assert result.exit_code == 1 and "Row 2 (price)" in result.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-offerings", "--company", acme.slug, str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 offerings (3 new, 0 updated; new providers: Leadership Lab, O'Reilly)" \
        in result.output
    assert db.session.scalar(select(func.count(Provider.id))) == 2
