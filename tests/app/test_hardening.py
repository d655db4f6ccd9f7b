"""Issue 13 at the app level: 405s say what is allowed, NUL bytes and over-long values are refused
by name (forms, uploads, the people importer), the API writes RFC 3339 date-times."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import jsonify

from app.api.encoding import Timestamp
from app.api.schema import Schema
from app.extensions import db
from app.models import User
from app.people import importer

from ..conftest import PASSWORD

HEADER = "email,name,team,manager_email,job_title,access_roles,start_date\n"


@pytest.fixture
def acme(make_company):
    return make_company(name="Acme", slug="acme")


@pytest.fixture
def admin(acme, make_user, client):
    user = make_user(acme, roles=("admin", "employee"), email="hr@acme.test")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return user


# --- 405 carries Allow ----------------------------------------------------------------------

def test_a_page_405_says_which_methods_are_allowed(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "text/html" in response.content_type


def test_an_api_405_says_which_methods_are_allowed(api_as, acme, make_user):
    response = api_as(make_user(acme)).delete("/api/v1/me")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"].split(", ")
    assert response.get_json()["error"]["code"] == "method_not_allowed"


# --- NUL bytes and lengths ------------------------------------------------------------------

def test_a_form_refuses_a_nul_byte_naming_the_field(client, admin, acme, fingerprint):
    before = fingerprint()
    response = client.post("/people/new", data={"name": "Ada\x00Lovelace", "email": "ada@acme.test",
                                                "access_roles": ["employee"]})
    assert response.status_code == 200
    assert "Name cannot contain NUL characters." in response.get_data(as_text=True)
    assert fingerprint() == before


def test_a_nul_byte_in_the_sign_in_form_is_a_form_error(client, acme, make_user):
    make_user(acme, email="ada@acme.test")
    response = client.post("/login", data={"email": "ada@acme.test", "password": "x\x00y"})
    assert response.status_code == 200
    assert "Password cannot contain NUL characters." in response.get_data(as_text=True)


def test_the_people_importer_names_the_row_of_a_nul_byte_or_an_over_long_value(acme):
    text = HEADER + ("ok@acme.test,Okay,,,,,\n"
                     "nul@acme.test,Nul\x00Name,,,,,\n"
                     f"long@acme.test,{'N' * 201},,,,,\n"
                     f"team@acme.test,Team,{'T' * 121},,{'J' * 201},,\n")
    errors = [str(e) for e in importer.parse(acme.id, text).errors]
    assert errors == [
        "Row 3 (name): 'name' contains a NUL character.",
        "Row 4 (name): 'name' is 201 characters long; at most 200 fit.",
        "Row 5 (job_title): 'job_title' is 201 characters long; at most 200 fit.",
        "Row 5 (team): 'team' is 121 characters long; at most 120 fit.",
    ]


def test_an_upload_with_a_nul_byte_is_refused_before_it_is_kept(client, admin, fingerprint):
    before = fingerprint()
    data = (HEADER + "ok@acme.test,Okay,,,,,\nnul@acme.test,Nul\x00,,,,,\n").encode()
    response = client.post("/people/import", data={"file": (io.BytesIO(data), "people.csv")})
    assert response.status_code == 200
    assert "Line 3 of the file contains a NUL character" in response.get_data(as_text=True)
    assert fingerprint() == before
    assert db.session.query(User).filter_by(email="ok@acme.test").first() is None


# --- date-times in the API ------------------------------------------------------------------

def test_json_date_times_are_rfc3339_with_an_offset(app):
    with app.test_request_context("/api/v1/me"):
        body = jsonify({"naive": datetime(2026, 1, 31, 9, 30), "on": date(2026, 1, 31),
                        "aware": datetime(2026, 1, 31, 9, 30, tzinfo=timezone(timedelta(hours=2)))
                        }).get_json()
    assert body == {"naive": "2026-01-31T09:30:00+00:00", "on": "2026-01-31",
                    "aware": "2026-01-31T09:30:00+02:00"}


def test_a_timestamp_field_is_written_with_an_offset():
    class Row(Schema):
        at: Timestamp

    assert Row(at=datetime(2026, 1, 31, 9, 30)).model_dump(mode="json") == {
        "at": "2026-01-31T09:30:00+00:00"}
    assert Row(at=datetime(2026, 1, 31, 9, 30, tzinfo=UTC)).model_dump(mode="json")["at"] \
        .endswith("+00:00")
    schema = Row.model_json_schema(mode="serialization")
    assert schema["properties"]["at"] == {"type": "string", "format": "date-time", "title": "At"}


# --- ids and pages beyond the column --------------------------------------------------------

def test_an_id_beyond_the_column_is_a_404_not_a_database_error(api_as, client, admin, acme):
    assert client.get("/people/2147483648").status_code == 404
    assert client.get("/people/99999999999999999999").status_code == 404
    assert client.get("/people/2147483647").status_code == 404  # in range, just absent
    response = api_as(admin).get("/api/v1/employees/2147483648")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_page_beyond_any_offset_is_refused_or_empty(client, admin):
    assert client.get("/reports/history?page=99999999999999999999").status_code == 400
    assert client.get("/people?page=99999999999999999999").status_code == 200
