"""CSV import of external coaches: preview, all or nothing with every bad row named, updates by
e-mail, on the admin mentors page and with the `import-coaches` CLI."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.extensions import db
from app.models import PendingImport
from pathways.mentoring import coach_import as ci
from pathways.mentoring.models import MentorProfile

from ...conftest import db_fingerprint

GOOD = """name,email,hourly_rate_minor,currency,timezone,capabilities,organisation,monthly_cap
Cora Coach,Cora@Coaching.test,12000,EUR,Europe/Berlin,Stakeholder management:5,Coachery,6
Dev Mentor,dev@coaching.test,9050,,America/New_York,stakeholder management:3; neg-1:4,,
"""

BAD = """name,email,hourly_rate_minor,currency,timezone,capabilities
Cora Coach,cora@coaching.test,12000,EUR,Europe/Berlin,Stakeholder management:5
,nobody@coaching.test,100,,Europe/Berlin,
Bad Mail,not-an-address,100,,Europe/Berlin,
Pound Coach,pound@coaching.test,100,GBP,Europe/Berlin,
Free Coach,free@coaching.test,120.50,,Europe/Berlin,
Lost Coach,lost@coaching.test,100,,Mars/Olympus,
Skill Coach,skill@coaching.test,100,,Europe/Berlin,Juggling:3
High Coach,high@coaching.test,100,,Europe/Berlin,Negotiation:9
Twin Coach,CORA@coaching.test,100,,Europe/Berlin,
"""


def _setup(acme, make_capability):
    make_capability(acme, "Negotiation", external_id="neg-1")


def coaches() -> dict[str, MentorProfile]:
    return {m.external_email: m for m in db.session.scalars(select(MentorProfile))}


def test_a_good_file_creates_coaches_with_their_capabilities(acme, admin, cap, make_capability):
    _setup(acme, make_capability)
    plan = ci.parse(acme.id, GOOD)
    assert plan.ok, [str(e) for e in plan.errors]
    assert (plan.creates, plan.updates) == (2, 0)
    ci.apply(admin, plan)
    db.session.commit()
    found = coaches()
    cora, dev = found["cora@coaching.test"], found["dev@coaching.test"]
    assert (cora.external_name, cora.hourly_rate_minor, cora.currency, cora.timezone,
            cora.monthly_cap, cora.organisation, cora.is_external) == (
        "Cora Coach", 12_000, "EUR", "Europe/Berlin", 6, "Coachery", True)
    assert [(o.capability.name, o.level) for o in cora.capabilities] == [
        ("Stakeholder management", 5)]
    assert sorted((o.capability.name, o.level) for o in dev.capabilities) == [
        ("Negotiation", 4), ("Stakeholder management", 3)]
    assert (dev.monthly_cap, dev.session_minutes) == (ci.DEFAULT_CAP, 60)
    # The same e-mail again updates the coach instead of adding one.
    again = ci.parse(acme.id, GOOD.replace(",12000,", ",15000,"))
    assert (again.creates, again.updates) == (0, 2)
    ci.apply(admin, again)
    db.session.commit()
    assert len(coaches()) == 2 and coaches()["cora@coaching.test"].hourly_rate_minor == 15_000


def test_every_bad_row_is_named_and_nothing_is_written(acme, admin, cap, make_capability):
    _setup(acme, make_capability)
    before = db_fingerprint()
    plan = ci.parse(acme.id, BAD)
    assert not plan.ok
    assert [(e.row, e.field) for e in plan.errors] == [
        (3, "name"), (4, "email"), (5, "currency"), (6, "hourly_rate_minor"),
        (7, "timezone"), (8, "capabilities"), (9, "capabilities"), (10, "email")]
    assert "Same e-mail as row 2" in plan.errors[-1].message
    assert "level from 1 to 5" in plan.errors[6].message
    assert db_fingerprint() == before
    header = ci.parse(acme.id, "name,email,rate\n")
    assert [str(e) for e in header.errors] == [
        "File: Missing column(s) hourly_rate_minor, timezone; unknown column(s) rate. "
        "Expected: " + ", ".join(ci.COLUMNS) + "."]
    assert "no coaches" in str(ci.parse(acme.id, "name,email,hourly_rate_minor,timezone\n")
                               .errors[0])


def test_the_admin_page_previews_then_imports(app, acme, admin, cap, make_capability):
    _setup(acme, make_capability)
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": "correct-horse-battery"})
    assert "Import coaches (CSV)" in client.get("/mentoring/coaches").get_data(as_text=True)
    bad = client.post("/mentoring/coaches/import", data={
        "file": (io.BytesIO(BAD.encode()), "coaches.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "8 problems — nothing was imported" in page and "Mars/Olympus" in page
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0
    latin1 = client.post("/mentoring/coaches/import", data={
        "file": (io.BytesIO(GOOD.replace("Cora", "Coré").encode("latin-1")), "coaches.csv")},
        content_type="multipart/form-data")
    assert "The file is not UTF-8 text; save it as 'CSV UTF-8'." in latin1.get_data(
        as_text=True).replace("&#39;", "'")
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0

    for _upload in range(2):  # a second upload replaces the first one waiting
        response = client.post("/mentoring/coaches/import", data={
            "file": (io.BytesIO(GOOD.encode()), "coaches.csv")},
            content_type="multipart/form-data")
        assert response.status_code == 302
    assert db.session.scalar(select(func.count(PendingImport.id))) == 1
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ready to import 2 coaches" in preview and "Cora Coach" in preview
    assert coaches() == {}
    done = client.post(response.headers["Location"])
    assert done.status_code == 302
    assert sorted(coaches()) == ["cora@coaching.test", "dev@coaching.test"]
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_employees_cannot_import(app, acme, make_user):
    person = make_user(acme)
    client = app.test_client()
    client.post("/login", data={"email": person.email, "password": "correct-horse-battery"})
    assert client.get("/mentoring/coaches/import").status_code == 403


def test_cli_imports_with_a_progress_bar_or_lists_problems(app, acme, admin, cap,
                                                          make_capability, tmp_path):
    _setup(acme, make_capability)
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["import-coaches", "--company", acme.slug, str(bad)])
    assert result.exit_code == 1
    assert "Row 7 (timezone)" in result.output and "8 problems; nothing was imported." \
        in result.output
    assert coaches() == {}
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-coaches", "--company", acme.slug, str(good)])
    assert result.exit_code == 0, result.output
    assert "Importing coaches" in result.output
    assert "Imported 2 coaches (2 new, 0 updated)." in result.output
    assert len(coaches()) == 2


def test_nul_bytes_and_overlong_values_are_refused_with_their_row(acme, admin, cap,
                                                                  make_capability):
    _setup(acme, make_capability)
    before = db_fingerprint()
    text = ("name,email,hourly_rate_minor,timezone,organisation,bio\n"
            "Cora Coach,cora@coaching.test,12000,Europe/Berlin,Coachery,fine\n"
            "Nul Coach,nul@coaching.test,12000,Europe/Berlin,Coach\x00ery,\n"
            f"Long Coach,long@coaching.test,12000,Europe/Berlin,{'x' * 201},\n"
            f"Wordy Coach,wordy@coaching.test,12000,Europe/Berlin,,{'y' * 2001}\n")
    plan = ci.parse(acme.id, text)
    assert [(e.row, e.field) for e in plan.errors] == [
        (3, "organisation"), (4, "organisation"), (5, "bio")]
    assert "NUL" in plan.errors[0].message
    assert db_fingerprint() == before
    # A NUL outside any checked value (here in the header) refuses the whole file.
    header = ci.parse(acme.id, "name,email,hourly_rate_minor,timezone,\x00\n"
                               "Cora Coach,cora@coaching.test,12000,Europe/Berlin,\n")
    assert not header.ok


def test_the_coach_form_refuses_nul_and_overlong_text(app, acme, admin):
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": "correct-horse-battery"})
    before = db_fingerprint()
    base = {"name": "Cora Coach", "email": "cora@coaching.test", "hourly_rate": "120",
            "timezone": "Europe/Berlin", "monthly_cap": "4", "session_minutes": "60",
            "active": "y"}
    for change, shown in (({"name": "Co\x00ra"}, "NUL character"),
                          ({"organisation": "x" * 201}, "200 characters")):
        response = client.post("/mentoring/coaches/new", data=base | change)
        assert response.status_code == 400, change
        assert shown in response.get_data(as_text=True)
    assert db_fingerprint() == before
