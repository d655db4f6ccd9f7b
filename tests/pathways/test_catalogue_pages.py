"""Catalogue and learning pages: who sees what, forms, uploads, import preview, query counts."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from pathways import catalogue, levels
from pathways.catalogue_models import Offering, Provider
from pathways.learning import enrolments
from pathways.learning.builder import StepData
from pathways.learning.models import Enrolment, StepCompletion
from pathways.models import Role
from tests.pathways.learning.conftest import make_pathway  # noqa: F401  (fixtures)
from tests.querycount import count_queries

from .catalogue_helpers import PDF, admin_of, make_offering, make_provider  # noqa: F401  (fixtures)


@pytest.fixture
def world(make_company, make_user, make_capability, make_role, assign, make_offering,  # noqa: F811
          make_pathway):  # noqa: F811
    acme = make_company(name="Acme")
    admin = make_user(acme, roles=("admin", "employee"), name="Hana Admin")
    boss = make_user(acme, roles=("manager", "employee"), name="Morgan")
    ada = make_user(acme, name="Ada", manager=boss)
    testing = make_capability(acme, "Testing")
    assign(ada, make_role(acme, "Engineer", {testing: 3}))
    course = make_offering(acme, "Testing 101", 30_000, 8, {testing: (1, 3)})
    path = make_pathway(acme, "Testing journey", [StepData("offering", offering_id=course.id),
                                                  StepData("reading", "Read",
                                                           url="https://read.test")])
    return dict(acme=acme, admin=admin, boss=boss, ada=ada, testing=testing, course=course,
                path=path)


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
    catalogue.record_offering_completion(admin_of(world["acme"]), ada, course)
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


def test_admin_builds_publishes_and_assigns_a_pathway(world, client, auth, make_team):
    auth.login(world["admin"])
    response = client.post("/admin/pathways", data={"title": "Ship it", "self_enrol": "y"})
    path_url = response.headers["Location"]
    pid = int(path_url.rsplit("/", 1)[1])
    assert client.post(f"/admin/pathways/{pid}/publish").status_code == 302  # refused: no steps
    assert "Add at least one step" in client.get(path_url).text
    client.post(f"/admin/pathways/{pid}/steps", data={
        "step-kind": "offering", "step-offering_id": world["course"].id, "step-required": "y"})
    bad = client.post(f"/admin/pathways/{pid}/steps", data={"step-kind": "reading",
                                                             "step-title": "No link"})
    assert bad.status_code == 400 and "needs a link" in bad.text
    client.post(f"/admin/pathways/{pid}/publish")
    page = client.get(path_url)
    assert "Published" in page.text and "€300.00" in page.text
    response = client.post(f"/admin/pathways/{pid}/assign", data={
        "as-emails": f"{world['ada'].email}, nobody@x.test"})
    assert response.status_code == 400 and "nobody@x.test" in response.text
    client.post(f"/admin/pathways/{pid}/assign", data={"as-emails": world["ada"].email,
                                                        "as-due_date": "2099-01-31"})
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.pathway_id == pid))
    assert enrolment.user_id == world["ada"].id and str(enrolment.due_date) == "2099-01-31"


def test_employee_enrols_marks_done_with_a_certificate_and_downloads_it(world, client, auth):
    ada, path = world["ada"], world["path"]
    auth.login(ada)
    response = client.post(f"/pathways/{path.id}/enrol")
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == ada.id))
    assert response.headers["Location"].endswith(f"/me/learning/{enrolment.id}")
    step = sorted(path.steps, key=lambda s: s.position)[0]
    page = client.get(f"/me/learning/{enrolment.id}")
    assert "Next step" in page.text and "Mark done" in page.text
    fake = client.post(f"/me/learning/{enrolment.id}/steps/{step.id}/done", data={
        f"s{step.id}-certificate": (io.BytesIO(b"MZ\x90\x00"), "cert.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "not a PDF, PNG or JPEG" in fake.text
    assert db.session.scalar(select(func.count(StepCompletion.id))) == 0
    client.post(f"/me/learning/{enrolment.id}/steps/{step.id}/done", data={
        f"s{step.id}-note": "Passed", f"s{step.id}-certificate": (io.BytesIO(PDF), "cert.pdf")},
        content_type="multipart/form-data")
    done = db.session.scalar(select(StepCompletion))
    assert done.file_type == "application/pdf"
    assert levels.current_level(ada, world["testing"]) == 3
    download = client.get(f"/learning/completions/{done.id}/certificate")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert "1 of 2 required steps" in client.get("/me/learning").text
    # Her manager and admins may open it (a plain colleague may not: next test).
    auth.logout()
    auth.login(world["admin"])
    assert client.get(f"/me/learning/{enrolment.id}").status_code == 200


def test_colleagues_cannot_open_each_others_learning(world, client, auth, make_user):
    enrolment = enrolments.enrol_self(world["ada"], world["path"])
    db.session.commit()
    auth.login(make_user(world["acme"], name="Bob"))
    assert client.get(f"/me/learning/{enrolment.id}").status_code == 403


def test_recommendations_and_career_pages(world, client, auth):
    auth.login(world["ada"])
    recs = client.get("/me/recommendations")
    assert "Closes Testing 0 → 3; €300.00; 8 hours." in recs.text
    mine = client.get("/me/capabilities")
    assert "Recommended for my gaps" in mine.text and "Testing 101" in mine.text
    role_id = db.session.scalar(select(Role.id).where(Role.title == "Engineer"))
    career = client.get(f"/me/career/{role_id}")
    assert "Typical cost and time: €300.00 and 8 hours" in career.text


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


def test_my_learning_query_count_does_not_grow_with_enrolments(world, client, auth,
                                                               make_pathway):  # noqa: F811
    ada = world["ada"]
    enrolments.enrol_self(ada, world["path"])
    db.session.commit()
    auth.login(ada)
    client.get("/me/learning")
    db.session.expire_all()
    with count_queries() as one:
        client.get("/me/learning")
    for i in range(3):
        extra = make_pathway(world["acme"], f"Extra {i}", [
            StepData("offering", offering_id=world["course"].id),
            StepData("reading", "Read", url="https://read.test")])
        enrolments.enrol_self(ada, extra)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as four:
        page = client.get("/me/learning")
    assert page.text.count("required steps") == 4
    assert four.count == one.count, "\n".join(four.statements)


def test_other_packages_add_actions_to_the_offering_page(world, app, client, auth):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader(
        {"test/_request.html": '<button class="btn">Request {{ offering.title }}</button>'})])
    catalogue.add_offering_action(app, "test/_request.html")
    auth.login(world["ada"])
    page = client.get(f"/catalogue/{world['course'].id}")
    assert '<button class="btn">Request Testing 101</button>' in page.text
