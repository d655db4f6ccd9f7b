"""Ratings follow the access policy (issue 13), as a role × relation matrix over the API:
a peer rating only answers an open rating request, a manager rates only their direct reports,
attestations are L&D's, and no reply shows a level the caller may not read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from pathways.capabilities import ratings
from pathways.capabilities.models import Assessment, RatingRequest

# (who rates Ada, source, expected status). Ada's line manager is Morgan, who holds the manager
# role; Lee is line manager of nobody but holds the role; Pat is a colleague Ada never asked.
MATRIX = [
    ("ada", "self", 201), ("ada", "manager", 403), ("ada", "peer", 403),
    ("morgan", "manager", 201), ("morgan", "self", 403), ("morgan", "peer", 403),
    ("lee", "manager", 403), ("lee", "peer", 403),
    ("pat", "peer", 403), ("pat", "manager", 403), ("pat", "self", 403),
    ("hr", "manager", 403), ("hr", "peer", 403), ("hr", "mentor", 201), ("hr", "self", 403),
    ("exec", "manager", 403), ("exec", "peer", 403), ("exec", "external", 403),
    ("globex", "manager", 404), ("globex", "peer", 404),
]


@pytest.fixture
def world(make_company, make_user, make_capability):
    acme, globex = make_company(name="Acme"), make_company(name="Globex")
    morgan = make_user(acme, name="Morgan", roles=("manager", "employee"))
    people = {
        "morgan": morgan,
        "ada": make_user(acme, name="Ada", manager=morgan),
        "lee": make_user(acme, name="Lee", roles=("manager", "employee")),
        "pat": make_user(acme, name="Pat"),
        "kim": make_user(acme, name="Kim"),
        "hr": make_user(acme, name="HR", roles=("admin",)),
        "exec": make_user(acme, name="Exec", roles=("executive",)),
        "globex": make_user(globex, name="Gloria", roles=("admin", "manager")),
    }
    cap = make_capability(acme, "Testing")
    db.session.commit()
    return people | {"cap": cap}


def _rate(api_as, world, who, source, level=3):
    return api_as(world[who]).post("/api/v1/assessments", json={
        "employee_id": world["ada"].id, "capability_id": world["cap"].id, "level": level,
        "source": source})


def test_who_may_record_which_rating_of_ada(world, api_as):
    for who, source, expected in MATRIX:
        before = db.session.scalar(select(func.count(Assessment.id)))
        r = _rate(api_as, world, who, source)
        assert r.status_code == expected, (who, source, r.get_json())
        after = db.session.scalar(select(func.count(Assessment.id)))
        assert after == before + (expected == 201), (who, source)
        if expected == 403:
            assert r.get_json()["error"]["message"], (who, source)


def test_a_peer_rating_answers_an_open_request_once_and_shows_no_level(world, api_as):
    ada, kim, cap = world["ada"], world["kim"], world["cap"]
    assert _rate(api_as, world, "kim", "peer").status_code == 403  # not asked yet
    req = ratings.request_rating(ada, cap, kim)
    db.session.commit()
    _rate(api_as, world, "morgan", "manager", level=4)
    r = _rate(api_as, world, "kim", "peer", level=2)
    assert r.status_code == 201, r.get_json()
    reply = r.get_json()
    # Kim may not read Ada's levels: the reply says nothing of Morgan's level 4.
    assert reply["level"] is None and reply["decided_by"] is None
    assert api_as(kim).get(f"/api/v1/employees/{ada.id}/levels").status_code == 403
    db.session.expire_all()
    req = db.session.get(RatingRequest, req.id)
    assert req.status == "answered" and req.assessment_id is not None
    answer = db.session.get(Assessment, req.assessment_id)
    assert (answer.source, answer.level, answer.author_id) == ("peer", 2, kim.id)
    # The request is answered: a second peer rating is refused.
    assert _rate(api_as, world, "kim", "peer").status_code == 403


def test_a_line_manager_sees_the_level_after_rating(world, api_as):
    r = _rate(api_as, world, "morgan", "manager", level=4)
    assert r.status_code == 201
    assert r.get_json()["level"] == 4 and r.get_json()["decided_by"]["source"] == "manager"


def test_a_manager_may_not_open_the_rate_page_of_someone_elses_report(world, client, auth):
    auth.login(world["lee"])
    assert client.get(f"/team/people/{world['ada'].id}/capabilities").status_code == 403
    assert client.post(f"/team/people/{world['ada'].id}/capabilities",
                       data={"capability_id": world["cap"].id, "level": 3}).status_code == 403
    assert db.session.scalar(select(func.count(Assessment.id))) == 0


def test_a_peer_answering_on_the_page_does_not_see_the_level(world, client, auth, evidence):
    ada, kim, cap = world["ada"], world["kim"], world["cap"]
    evidence(ada, cap, 4, "manager", author=world["morgan"])
    req = ratings.request_rating(ada, cap, kim)
    db.session.commit()
    auth.login(kim)
    page = client.get(f"/rating-requests/{req.id}").get_data(as_text=True)
    assert "Rate Ada: Testing" in page and "Level 4" not in page and "Today:" not in page
