"""Catalogue and learning pages: who sees what, forms, uploads, import preview, query counts."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.extensions import db
from pathways.catalogue import completions, offerings
from pathways.catalogue.models import Offering, Provider
from tests.pathways.conftest import admin_of
from tests.querycount import count_queries


def test_employee_browses_filters_and_sees_the_offering(world, client, auth):
    auth.login(world["ada"])
    page = client.get("/catalogue?q=testing&price_max=400&sort=price")
    assert page.status_code == 200 and "Testing 101" in page.text and "€300.00" in page.text
    assert "Testing <span class=\"muted\">1 → 3</span>" in page.text
    assert client.get("/catalogue?price_max=lots").status_code == 400
    home = client.get("/home")
    assert ">Catalogue<" in home.text and ">My learning<" in home.text
    assert ">Offerings<" not in home.text  # admin navigation stays hidden
    offering = client.get(f"/catalogue/{world['course'].id}")
    assert 'id="request-action"' in offering.text and "Only people who completed" in offering.text
    assert "Testing journey" in offering.text
    assert client.get("/admin/catalogue").status_code == 403
    assert client.get("/admin/pathways").status_code == 403


def test_review_form_appears_after_completion(world, client, auth):
    ada, course = world["ada"], world["course"]
    auth.login(ada)
    response = client.post(f"/catalogue/{course.id}/review", data={"rating": "5", "text": "x"})
    assert response.status_code == 302 and course.rating_count == 0
    completions.record_offering_completion(admin_of(world["acme"]), ada, course)
    db.session.commit()
    assert "Publish review" in client.get(f"/catalogue/{course.id}").text
    client.post(f"/catalogue/{course.id}/review", data={"rating": "4", "text": "Useful"})
    db.session.refresh(course)
    assert (course.rating_count, course.rating) == (1, 4.0)
    assert "Useful" in client.get(f"/catalogue/{course.id}").text


def test_admin_creates_edits_and_retires_an_offering(world, client, auth, fingerprint):
    auth.login(world["admin"])
    before = fingerprint()
    bad = client.post("/admin/catalogue/new", data={
        "title": "Bad", "type": "course", "format": "online", "price": "10",
        "capabilities": "Nonexistent: 1-2"})
    assert bad.status_code == 400 and "No capability called" in bad.text
    assert fingerprint() == before
    ok = client.post("/admin/catalogue/new", data={
        "title": "Clean code", "type": "book", "format": "online", "price": "39.90",
        "duration_hours": "6", "provider_id": "", "capabilities": "Testing: 2-3"})
    assert ok.status_code == 302
    book = db.session.scalar(select(Offering).where(Offering.title == "Clean code"))
    assert book.price_minor == 3990 and [(d.from_level, d.to_level) for d in book.capabilities] == [
        (2, 3)]
    edit = client.get(f"/admin/catalogue/{book.id}/edit")
    assert "Testing: 2-3" in edit.text and 'value="39.90"' in edit.text
    client.post(f"/admin/catalogue/{book.id}/retire", follow_redirects=True)
    db.session.refresh(book)
    assert book.retired
    assert "Clean code" not in client.get("/catalogue").text
    assert "Clean code" in client.get("/admin/catalogue?retired=1").text
    client.post("/admin/providers", data={"name": "Manning", "url": "https://manning.test"})
    assert db.session.scalar(select(func.count(Provider.id))) == 1
    dup = client.post("/admin/providers", data={"name": "manning"})
    assert dup.status_code == 400 and "already a provider" in dup.text


def test_csv_import_previews_then_imports_all_or_nothing(world, client, auth, fingerprint):
    auth.login(world["admin"])
    bad = ("title,type,provider,price,duration_hours,capabilities\n"
           "Good one,course,Acme Academy,100,2,Testing:1-2\n"
           "Bad price,course,,cheap,2,\n"
           "Bad level,course,,10,2,Testing:3-1\n")
    before = fingerprint()
    response = client.post("/admin/catalogue/import", data={
        "file": (io.BytesIO(bad.encode()), "offerings.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Row 3" not in response.text  # rows are shown in a table: number + column + problem
    assert "price" in response.text and "cheap" in response.text and "0 ≤ from" in response.text
    assert fingerprint() == before
    good = "title,type,provider,price,duration_hours,format\nNew course,course,Acme Academy,99.5,3,blended\n"
    response = client.post("/admin/catalogue/import", data={
        "file": (io.BytesIO(good.encode()), "offerings.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    assert "Ready to import 1 offering" in preview.text and "Acme Academy" in preview.text
    client.post(response.headers["Location"])
    new = db.session.scalar(select(Offering).where(Offering.title == "New course"))
    assert new.price_minor == 9950 and new.provider.name == "Acme Academy"


def test_browse_page_query_count_does_not_grow_with_results(world, client, auth, make_offering):  # noqa: F811
    auth.login(world["ada"])
    client.get("/catalogue")
    db.session.expire_all()
    with count_queries() as few:
        client.get("/catalogue")
    for i in range(15):
        make_offering(world["acme"], f"Extra {i}", develops={world["testing"]: (1, 2)})
    db.session.expire_all()
    with count_queries() as many:
        client.get("/catalogue")
    assert many.count == few.count, "\n".join(many.statements)


def test_other_packages_add_actions_to_the_offering_page(world, app, client, auth):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader(
        {"test/_request.html": '<button class="btn">Request {{ offering.title }}</button>'})])
    offerings.add_offering_action(app, "test/_request.html")
    auth.login(world["ada"])
    page = client.get(f"/catalogue/{world['course'].id}")
    assert '<button class="btn">Request Testing 101</button>' in page.text
