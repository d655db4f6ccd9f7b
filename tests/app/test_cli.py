"""The shell's CLI: demo data and personal tokens."""

from __future__ import annotations

from app.extensions import db
from app.models import Company, User


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_seed_demo_creates_the_documented_logins(app, client):
    result = cli(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert {c.slug for c in db.session.query(Company)} == {"acme", "globex"}
    acme_people = db.session.query(User).join(Company).filter(Company.slug == "acme").count()
    assert 55 <= acme_people <= 70
    for email, role in [("hr@acme.test", "admin"), ("exec@acme.test", "executive"),
                        ("manager@acme.test", "manager"), ("employee@acme.test", "employee"),
                        ("hr@globex.test", "admin")]:
        user = db.session.query(User).filter_by(email=email).one()
        assert user.has_role(role)
        response = app.test_client().post("/login", data={"email": email,
                                                          "password": "trellis-demo"})
        assert response.status_code == 302, email
    employee = db.session.query(User).filter_by(email="employee@acme.test").one()
    assert employee.manager.email == "manager@acme.test"


def test_seed_demo_if_empty_leaves_existing_data_alone(app, make_company):
    make_company(name="Existing")
    result = cli(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0 and "skipped" in result.output
    assert db.session.query(Company).count() == 1


def test_create_token_prints_a_working_token_last(app, make_company, make_user):
    ada = make_user(make_company(), email="ada@acme.test")
    result = cli(app, "create-token", "ada@acme.test")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["id"] == ada.id


def test_create_token_for_unknown_person_fails(app):
    result = cli(app, "create-token", "nobody@acme.test")
    assert result.exit_code != 0 and "No active person" in result.output


def test_create_token_for_a_shared_address_needs_the_company(app, make_company, make_user):
    acme, globex = make_company(slug="acme"), make_company(slug="globex")
    make_user(acme, email="sam@consult.test")
    sam_globex = make_user(globex, email="sam@consult.test")
    ambiguous = cli(app, "create-token", "sam@consult.test")
    assert ambiguous.exit_code != 0
    assert ("sam@consult.test belongs to people in 2 companies (acme, globex); "
            "choose one with --company SLUG.") in ambiguous.output
    chosen = cli(app, "create-token", "sam@consult.test", "--company", "globex")
    assert chosen.exit_code == 0, chosen.output
    token = chosen.output.strip().splitlines()[-1]
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["id"] == sam_globex.id
    elsewhere = cli(app, "create-token", "sam@consult.test", "--company", "initech")
    assert elsewhere.exit_code != 0 and "No company with slug 'initech'." in elsewhere.output
    nobody = cli(app, "create-token", "nobody@acme.test", "--company", "acme")
    assert "No active person with e-mail nobody@acme.test in acme." in nobody.output


def test_demo_people_are_found_in_the_company_their_domain_names(app, make_company, make_user):
    from app import demo

    acme, globex = make_company(slug="acme"), make_company(slug="globex")
    make_user(globex, email="hr@acme.test")  # the same address, in the other company
    harriet = make_user(acme, email="hr@acme.test")
    assert demo.person("hr@acme.test") == harriet
