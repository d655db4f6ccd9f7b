"""Framework import: preview names every bad row, all or nothing, re-import updates, round-trip."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from pathways.capabilities import framework_export as fx
from pathways.capabilities import framework_import as fi
from pathways.capabilities.models import Capability, Category, Framework

CSV = """category,name,description,external_id,level_1,level_3
Craft,Testing,Writes tests,ESCO:1,Runs tests,Designs test strategy
Craft,Refactoring,,,,
Delivery,Estimation,Sizes work,ESCO:3,,
"""


def admin_of(make_company, make_user):
    acme = make_company()
    return acme, make_user(acme, roles=("admin",))


def _import(actor, text, name="Engineering", scale=None, filename="f.csv"):
    plan = fi.parse(actor.company_id, text, filename, name, scale)
    assert plan.ok, [str(e) for e in plan.errors]
    fw = fi.apply(actor, plan)
    db.session.commit()
    return plan, fw


def test_csv_import_creates_framework_categories_and_capabilities(make_company, make_user):
    _acme, hr = admin_of(make_company, make_user)
    plan, fw = _import(hr, CSV)
    assert (plan.creates, plan.updates, plan.new_categories) == (3, 0, ["Craft", "Delivery"])
    assert fw.scale.name == "Proficiency 1–5" and fw.scale.max_level == 5
    testing = db.session.scalar(select(Capability).where(Capability.name == "Testing"))
    assert testing.external_id == "ESCO:1" and testing.category.name == "Craft"
    assert testing.descriptors == {"1": "Runs tests", "3": "Designs test strategy"}


def test_every_bad_row_is_named_and_nothing_is_written(make_company, make_user, fingerprint):
    _acme, hr = admin_of(make_company, make_user)
    before = fingerprint()
    bad = ("category,name,description,external_id,level_7\n"
           "Craft,Testing,,X1,\n"
           ",No category,,,\n"
           "Craft,,nameless,,\n"
           "Craft,Testing,again,,\n"
           "Craft,Other,,X1,\n"
           "Craft,Deep,,,too high\n")
    plan = fi.parse(hr.company_id, bad, "f.csv", "Engineering", None)
    assert not plan.ok
    assert [str(e) for e in plan.errors] == [
        "Row 3 (category): Category is missing.",
        "Row 4 (name): Name is missing.",
        "Row 5 (name): Duplicate capability 'Testing' in category 'Craft' (also on row 2).",
        "Row 6 (external_id): Duplicate external id X1 (also on row 2).",
        "Row 7 (level_7): The scale has levels 1 to 5; there is no level 7.",
    ]
    assert fingerprint() == before


def test_file_level_problems(make_company, make_user):
    _acme, hr = admin_of(make_company, make_user)
    assert "header" in str(fi.parse_csv(hr.company_id, "title,text\nA,B\n", "F").errors[0])
    assert "no capabilities" in str(fi.parse_csv(hr.company_id, "category,name\n", "F").errors[0])
    plan = fi.parse_csv(hr.company_id, CSV, "F", "Missing scale")
    assert "No scale called 'Missing scale'" in str(plan.errors[0])
    assert "Not valid JSON" in str(fi.parse_json(hr.company_id, "{oops", "F").errors[0])


def test_reimport_updates_by_external_id_or_category_and_name(make_company, make_user):
    _acme, hr = admin_of(make_company, make_user)
    _import(hr, CSV)
    again = ("category,name,description,external_id\n"
             "Quality,Testing well,Writes good tests,ESCO:1\n"  # renamed and moved, same id
             "Craft,Refactoring,Small safe steps,\n"  # no id: matched by category + name
             "Delivery,Estimation,Sizes work,ESCO:3\n"  # unchanged
             "Delivery,Planning,,ESCO:4\n")  # new
    plan, _fw = _import(hr, again)
    assert (plan.creates, plan.updates, plan.unchanged) == (1, 2, 1)
    assert db.session.scalar(select(func.count(Capability.id))) == 4
    moved = db.session.scalar(select(Capability).where(Capability.external_id == "ESCO:1"))
    assert (moved.name, moved.category.name) == ("Testing well", "Quality")
    refactoring = db.session.scalar(select(Capability).where(Capability.name == "Refactoring"))
    assert refactoring.description == "Small safe steps"


def test_reimport_refuses_an_id_that_clashes_with_an_existing_name(make_company, make_user):
    _acme, hr = admin_of(make_company, make_user)
    _import(hr, CSV)
    plan = fi.parse_csv(hr.company_id, "category,name,external_id\nCraft,Testing,OTHER\n",
                        "Engineering")
    assert [str(e) for e in plan.errors] == [
        "Row 2 (external_id): 'Testing' already exists in 'Craft' with external id ESCO:1; "
        "use that id to update it."]


def test_json_round_trip_keeps_scale_descriptors_and_retired(make_company, make_user):
    acme, hr = admin_of(make_company, make_user)
    _plan, fw = _import(hr, CSV)
    cap = db.session.scalar(select(Capability).where(Capability.name == "Refactoring"))
    cap.retired_at = cap.created_at
    db.session.commit()
    exported = fx.export_json(fw)
    assert exported["scale"]["levels"][0]["name"] == "Awareness"
    # Into another company: the same framework comes out.
    globex = make_company()
    hank = make_user(globex, roles=("admin",))
    _plan, copy = _import(hank, json.dumps(exported), name=None, filename="fw.json")
    assert copy.company_id == globex.id
    assert fx.export_json(copy) == exported
    # And the CSV export re-imports onto itself without changes.
    plan = fi.parse_csv(acme.id, fx.export_csv(fw), fw.name)
    assert plan.ok and (plan.creates, plan.updates, plan.unchanged) == (0, 0, 3)


def test_progress_reports_every_row(make_company, make_user):
    _acme, hr = admin_of(make_company, make_user)
    rows = "".join(f"Cat {i % 7},Skill {i},,S{i}\n" for i in range(5000))
    plan = fi.parse_csv(hr.company_id, "category,name,description,external_id\n" + rows, "Big")
    seen: list[int] = []
    fi.apply(hr, plan, progress=seen.append)
    db.session.commit()
    assert sum(seen) == 5000
    assert db.session.scalar(select(func.count(Category.id))) == 7
    assert db.session.scalar(select(func.count(Framework.id))) == 1


def test_cli_imports_and_exits_1_on_a_bad_row_writing_nothing(app, make_company, make_user,
                                                              tmp_path, fingerprint):
    acme, _hr = admin_of(make_company, make_user)
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("category,name\nCraft,\n")
    before = fingerprint()
    result = runner.invoke(args=["import-framework", "--company", acme.slug, "--framework",
                                 "Eng", str(bad)])
    assert result.exit_code == 1
    assert "Row 2 (name): Name is missing." in result.output
    assert fingerprint() == before
    good = tmp_path / "good.csv"
    good.write_text(CSV)
    result = runner.invoke(args=["import-framework", "--company", acme.slug, "--framework",
                                 "Eng", str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 capabilities into Eng (3 new, 0 changed, 0 unchanged)." in result.output
