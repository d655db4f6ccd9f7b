"""Bad text on the learning forms and API: NUL bytes and overlong values are a 400 naming the
field, and nothing is saved."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from pathways.learning.models import Pathway, StepCompletion
from tests.pathways.catalogue.conftest import api_world, make_offering, world  # noqa: F401  (fixtures)


def test_the_builder_refuses_nul_and_overlong_titles(world, client, auth):  # noqa: F811
    auth.login(world["admin"])
    before = db.session.scalar(select(func.count(Pathway.id)))
    for title in ("Ship\x00it", "x" * 201):
        response = client.post("/admin/pathways", data={"title": title})
        assert response.status_code == 400, title
    assert db.session.scalar(select(func.count(Pathway.id))) == before


def test_a_step_note_with_nul_is_refused(world, client, auth):  # noqa: F811
    from pathways.learning import enrolments

    enrolment = enrolments.enrol_self(world["ada"], world["path"])
    db.session.commit()
    step = sorted(world["path"].steps, key=lambda s: s.position)[0]
    auth.login(world["ada"])
    page = client.post(f"/me/learning/{enrolment.id}/steps/{step.id}/done",
                       data={f"s{step.id}-note": "Pass\x00ed"}, follow_redirects=True)
    assert "Check the note and link." in page.text
    assert db.session.scalar(select(func.count(StepCompletion.id))) == 0


def test_the_api_names_the_field_of_bad_text(api_world, api_as):  # noqa: F811
    admin = api_as(api_world["admin"])
    for body, field in (({"title": "a\x00b"}, "title"), ({"title": "x" * 201}, "title"),
                        ({"title": "T", "steps": [{"kind": "reading", "url": "u" * 501}]},
                         "steps.url"),
                        ({"title": "T", "steps": [{"kind": "juggling"}]}, "steps.kind")):
        response = admin.post("/api/v1/pathways", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["field"] == field, response.get_json()
    assert db.session.scalar(select(func.count(Pathway.id))) == 0
