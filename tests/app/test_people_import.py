"""People CSV import: every bad row named, all-or-nothing, preview before writing."""

from __future__ import annotations

import io

import pytest
from click.testing import Result

from app.extensions import db
from app.models import Team, User
from app.people import importer

HEADER = "email,name,team,manager_email,job_title,access_roles,start_date\n"


@pytest.fixture
def acme(make_company):
    return make_company(name="Acme", slug="acme")


@pytest.fixture
def admin(acme, make_user):
    return make_user(acme, roles=("admin",), email="hr@acme.test")


def errors_of(acme, csv_text: str) -> list[str]:
    return [str(e) for e in importer.parse(acme.id, HEADER + csv_text).errors]


def test_every_kind_of_bad_row_is_named(acme, admin, make_company, make_user):
    make_user(acme, email="taken@acme.test")
    make_user(make_company(), email="outsider@globex.test")
    csv_text = (
        "ok@acme.test,Okay,Data,hr@acme.test,Analyst,employee,2026-01-05\n"   # row 2: fine
        "not-an-email,Bad Mail,,,,,\n"                                          # row 3
        "ok@acme.test,Dup,,,,,\n"                                               # row 4
        "taken@acme.test,Taken,,,,,\n"                                          # row 5
        "m@acme.test,Unknown Boss,,ghost@acme.test,,,\n"                        # row 6
        "o@acme.test,Outsider Boss,,outsider@globex.test,,,\n"                  # row 7
        "a@acme.test,Cycle A,,b@acme.test,,,\n"                                 # row 8
        "b@acme.test,Cycle B,,a@acme.test,,,\n"                                 # row 9
        "d@acme.test,Bad Date,,,,,31/01/2026\n"                                 # row 10
        "r@acme.test,Bad Role,,,,employee;wizard,\n"                            # row 11
        "n@acme.test,,,,,,\n"                                                   # row 12
        "s@acme.test,Self,,s@acme.test,,,\n"                                    # row 13
    )
    assert errors_of(acme, csv_text) == [
        "Row 3 (email): 'not-an-email' is not a valid e-mail address.",
        "Row 4 (email): Duplicate e-mail ok@acme.test (also on row 2).",
        "Row 5 (email): taken@acme.test already belongs to someone in Acme; "
        "edit that person instead.",
        "Row 6 (manager_email): Unknown manager ghost@acme.test: not in this company or this file.",
        "Row 7 (manager_email): Unknown manager outsider@globex.test: "
        "not in this company or this file.",
        "Row 8 (manager_email): Manager cycle: a@acme.test ends up managing themselves through "
        "their managers.",
        "Row 9 (manager_email): Manager cycle: b@acme.test ends up managing themselves through "
        "their managers.",
        "Row 10 (start_date): Bad date '31/01/2026'; use YYYY-MM-DD.",
        "Row 11 (access_roles): Unknown access role 'wizard'; use admin, manager, employee, "
        "executive separated by ';'.",
        "Row 12 (name): Name is missing.",
        "Row 13 (manager_email): Manager cycle: a person cannot manage themselves.",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("", "File: The file is empty"),
    ("email,name\n", "File: The file has a header but no people."),
    ("mail,name\nx@acme.test,X\n", "File: Missing column email"),
    ("email,name,shoe_size\nx@acme.test,X,44\n", "File: Unknown column shoe_size"),
])
def test_file_level_problems(acme, text, message):
    errors = [str(e) for e in importer.parse(acme.id, text).errors]
    assert errors and errors[0].startswith(message)


def test_good_file_creates_people_teams_roles_and_managers(acme, admin):
    plan = importer.parse(acme.id, HEADER + (
        "lead@acme.test,Lead,Robotics,hr@acme.test,Lead,employee;manager,2025-03-01\n"
        "dev@acme.test,Dev,Robotics,lead@acme.test,Engineer,,\n"))
    assert plan.ok and plan.new_teams == ["Robotics"]
    assert importer.apply(admin, plan) == 2
    db.session.commit()
    lead = db.session.query(User).filter_by(email="lead@acme.test").one()
    dev = db.session.query(User).filter_by(email="dev@acme.test").one()
    assert lead.manager_id == admin.id and dev.manager_id == lead.id
    assert lead.access_roles == ["employee", "manager"] and dev.access_roles == ["employee"]
    assert dev.team.name == "Robotics" and dev.invited


def test_preview_then_confirm_in_the_browser_flow(client, auth, acme, admin):
    auth.login(admin)
    upload = client.post("/people/import", data={"file": (io.BytesIO(
        (HEADER + "new@acme.test,Newbie,Ops,,,,\n").encode()), "people.csv")},
        content_type="multipart/form-data")
    preview_url = upload.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "Newbie" in preview and "Ops" in preview
    assert db.session.query(User).filter_by(email="new@acme.test").count() == 0
    client.post(preview_url)
    assert db.session.query(User).filter_by(email="new@acme.test").count() == 1


def test_addresses_of_another_company_are_neither_refused_nor_managers(acme, admin, make_company,
                                                                       make_user):
    globex = make_company(name="Globex", slug="globex")
    make_user(globex, email="sam@consult.test")
    make_user(globex, email="boss@consult.test", roles=("manager",))
    acme_boss = make_user(acme, email="lead@consult.test", roles=("manager",))
    make_user(globex, email="lead@consult.test", roles=("manager",))
    plan = importer.parse(acme.id, HEADER + "sam@consult.test,Sam,,lead@consult.test,,,\n"
                          "kim@acme.test,Kim,,boss@consult.test,,,\n")
    assert [str(e) for e in plan.errors] == [
        "Row 3 (manager_email): Unknown manager boss@consult.test: "
        "not in this company or this file."]
    plan = importer.parse(acme.id, HEADER + "sam@consult.test,Sam,,lead@consult.test,,,\n")
    assert plan.ok
    importer.apply(admin, plan)
    db.session.commit()
    sam = db.session.scalar(db.select(User).where(User.company_id == acme.id,
                                                  User.email == "sam@consult.test"))
    assert sam.manager_id == acme_boss.id and sam.access_roles == ["employee"]
    assert db.session.query(User).filter_by(email="sam@consult.test").count() == 2


def test_bad_file_changes_nothing_even_when_confirmed(client, auth, acme, admin, fingerprint):
    auth.login(admin)
    before = fingerprint()
    upload = client.post("/people/import", data={"file": (io.BytesIO(
        (HEADER + "good@acme.test,Good,NewTeam,,,,\nbad,Bad,,,,,\n").encode()), "p.csv")},
        content_type="multipart/form-data")
    assert upload.status_code == 400
    page = upload.get_data(as_text=True)
    assert "1 problem — nothing was imported" in page
    assert "&#39;bad&#39; is not a valid e-mail address." in page
    assert fingerprint() == before  # not even the upload is kept
    assert db.session.query(Team).filter_by(name="NewTeam").count() == 0


def test_confirming_a_file_that_went_stale_imports_nothing(client, auth, acme, admin, make_user,
                                                          fingerprint):
    auth.login(admin)
    upload = client.post("/people/import", data={"file": (io.BytesIO(
        (HEADER + "late@acme.test,Late,,,,,\n").encode()), "p.csv")},
        content_type="multipart/form-data")
    make_user(acme, email="late@acme.test")  # someone added them meanwhile
    before = fingerprint()
    response = client.post(upload.headers["Location"])
    assert response.status_code == 400 and "already belongs to someone" in response.get_data(
        as_text=True)
    assert fingerprint() == before


def test_non_utf8_upload_is_refused_with_a_message(client, auth, acme, admin):
    auth.login(admin)
    page = client.post("/people/import", data={"file": (io.BytesIO(
        (HEADER + "é@acme.test,Zoë,,,,,\n").encode("latin-1")), "p.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "not UTF-8" in page


def run_cli(app, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_import_exits_1_and_writes_nothing_on_a_bad_row(app, acme, admin, tmp_path,
                                                          fingerprint):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "good@acme.test,Good,,,,,\nbad@acme.test,Bad,,,,,1.1.2026\n")
    before = fingerprint()
    result = run_cli(app, "import-people", "--company", "acme", str(path))
    assert result.exit_code == 1
    assert "Row 3 (start_date): Bad date '1.1.2026'; use YYYY-MM-DD." in result.output
    assert fingerprint() == before


def test_cli_imports_a_large_file(app, acme, admin, tmp_path):
    rows = [f"p{i}@acme.test,Person {i},Team {i % 20},"
            f"{'hr@acme.test' if i < 50 else f'p{i % 50}@acme.test'},Engineer,employee,2025-01-01"
            for i in range(2000)]
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    result = run_cli(app, "import-people", "--company", "acme", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 2000 people and 20 new teams into Acme." in result.output
    assert db.session.query(User).filter(User.manager_id.isnot(None)).count() == 2000
