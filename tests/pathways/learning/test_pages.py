"""Pathway pages: building, assigning, enrolling, completing with a certificate, who sees whose
learning, recommendations and career moves, query counts."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.extensions import db
from pathways.capabilities import levels
from pathways.capabilities.models import Role
from pathways.learning import enrolments
from pathways.learning.builder import StepData
from pathways.learning.models import Enrolment, StepCompletion
from tests.pathways.catalogue.conftest import PDF, make_offering, world  # noqa: F401  (fixtures)
from tests.querycount import count_queries


def test_admin_builds_publishes_and_assigns_a_pathway(world, client, auth, make_team):  # noqa: F811
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


def test_employee_enrols_marks_done_with_a_certificate_and_downloads_it(world, client, auth):  # noqa: F811
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


def test_colleagues_cannot_open_each_others_learning(world, client, auth, make_user):  # noqa: F811
    enrolment = enrolments.enrol_self(world["ada"], world["path"])
    db.session.commit()
    auth.login(make_user(world["acme"], name="Bob"))
    assert client.get(f"/me/learning/{enrolment.id}").status_code == 403


def test_recommendations_and_career_pages(world, client, auth):  # noqa: F811
    auth.login(world["ada"])
    recs = client.get("/me/recommendations")
    assert "Closes Testing 0 → 3; €300.00; 8 hours." in recs.text
    mine = client.get("/me/capabilities")
    assert "Recommended for my gaps" in mine.text and "Testing 101" in mine.text
    role_id = db.session.scalar(select(Role.id).where(Role.title == "Engineer"))
    career = client.get(f"/me/career/{role_id}")
    assert "Typical cost and time: €300.00 and 8 hours" in career.text


def test_my_learning_query_count_does_not_grow_with_enrolments(world, client, auth,  # noqa: F811
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
