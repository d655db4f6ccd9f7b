"""Hostile input on the catalogue (issue 13): the offering import refuses NUL characters,
over-long cells and impossible prices naming the row and field; the API and the forms bound
their fields; nothing answers 500 and nothing is saved."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from pathways.catalogue import offering_import as oi
from pathways.catalogue.models import Offering, Provider

HEADER = "title,type,provider,price,duration_hours,description\n"


def test_the_offering_import_names_each_bad_row_and_field(make_company, make_capability):
    acme = make_company()
    make_capability(acme, "Python")
    text = HEADER + "\n".join([
        "Good,course,,450,12,fine",
        "Nul,course,,450,12,bad\x00text",
        "Te\x00st,course,,450,12,",
        "Inf,course,,Infinity,1,",
        "NaN,book,,NaN,1,",
        "Huge,book,,1e999999,1,",
        "Long," + "course,," + "1,1," + "d" * 10_001,
        "Provider,course," + "p" * 161 + ",1,1,",
        "T" * 201 + ",course,,1,1,",
    ]) + "\n"
    plan = oi.parse(acme.id, text)
    assert not plan.ok
    assert [(e.row, e.field) for e in plan.errors] == [
        (3, "description"), (4, "title"), (5, "price"), (6, "price"), (7, "price"),
        (8, "description"), (9, "provider"), (10, "title")]
    huge = HEADER + "X,course,,1,1," + "x" * 200_000 + "\n"
    plan = oi.parse(acme.id, huge)
    assert not plan.ok and "readable" in plan.errors[0].message


def test_the_offering_api_bounds_its_fields(api_world, api_as, fingerprint):
    admin = api_as(api_world["admin"])
    base = {"title": "T", "type": "course", "price_minor": 100}
    before = fingerprint()
    for bad, name in [({"title": "x" * 201}, "title"), ({"description": "a\x00b"}, "description"),
                      ({"price_minor": 2**63 - 1}, "price_minor"), ({"price_minor": -1},
                                                                      "price_minor"),
                      ({"duration_hours": 1e308}, "duration_hours"),
                      ({"provider": "p" * 161}, "provider"), ({"provider_id": 2**31}, "provider_id"),
                      ({"capabilities": [{"capability_id": 1, "from_level": 0,
                                          "to_level": 2**40}]}, "capabilities.to_level")]:
        r = admin.post("/api/v1/offerings", json=base | bad)
        assert r.status_code == 400 and r.get_json()["error"]["field"] == name, (bad, r.json)
    assert admin.get("/api/v1/offerings?price_max_minor=99999999999").status_code == 400
    assert admin.get("/api/v1/offerings?page=99999999999").status_code == 400
    assert fingerprint() == before


def test_the_forms_refuse_nul_next_to_the_field(client, auth, make_company, make_user):
    acme = make_company()
    auth.login(make_user(acme, roles=("admin",)))
    r = client.post("/admin/providers", data={"name": "Acme\x00Academy"})
    assert r.status_code == 400 and "NUL character" in r.get_data(as_text=True)
    r = client.post("/admin/catalogue/new", data={"title": "Py\x00thon", "type": "course",
                                                 "format": "online", "price": "10"})
    assert r.status_code == 400 and "NUL character" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Provider.id))) == 0
    assert db.session.scalar(select(func.count(Offering.id))) == 0
