"""The executives' read-only list of all learning requests: filters, totals, CSV, access."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from app.extensions import db
from app.models import Team, User
from pathways.requests import overview, submit, transitions
from pathways.requests.models import LearningRequest
from tests.querycount import count_queries
from tests.tenancy import Route, assert_foreign_404

from .conftest import key

URL = "/requests/all"


@pytest.fixture
def story(acme_world, make_offering, make_team, make_user, give, fund, set_policy):
    """Ada (Robotics) has a completed and refunded course, a rejected one and a pending one;
    Sam (Vision, a sub-team of Robotics) one pending; Erin is the executive."""
    w = acme_world
    set_policy(w.harriet, purchase_mode="auto")
    fund(w.company, 500_000, w.harriet)
    vision = make_team(w.company, "Vision", parent=w.team)
    sam = make_user(w.company, name="Sam", team=vision, manager=w.max)
    erin = make_user(w.company, name="Erin", roles=("executive",))
    give(w.ada, 200_000)
    give(sam, 100_000)
    done = submit.create_for_offering(w.ada, make_offering(w.company, 40_000, "ROS 2"), None)
    transitions.approve(w.max, done)
    transitions.complete(w.ada, done)
    transitions.refund(w.harriet, done, 10_000, key("r"), "Discount")  # noqa: F405
    no = submit.create_for_offering(w.ada, make_offering(w.company, 30_000, "=HYPERLINK(\"x\")"),
                                 None)
    transitions.reject(w.max, no, "Not now")
    submit.create_for_offering(w.ada, make_offering(w.company, 20_000, "Welding"), None)
    later = submit.create_for_offering(sam, make_offering(w.company, 15_000, "Optics"), None)
    later.created_at = datetime(2026, 3, 15, 9)
    db.session.commit()
    return w, erin, vision


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_executive_sees_every_request_and_totals_per_status(story, auth, client):
    w, erin, _vision = story
    auth.login(erin)
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for title in ("ROS 2", "Welding", "Optics", "=HYPERLINK"):
        assert title in html
    assert 'href="/requests/all"' in client.get("/home").get_data(as_text=True)  # nav entry
    totals = {t.status: t for t in overview.totals(w.company.id,
                                                            overview.Filters())}
    assert (totals["completed"].count, totals["completed"].requested_minor,
            totals["completed"].spent_minor) == (1, 40_000, 30_000)
    assert (totals["pending"].count, totals["pending"].requested_minor) == (2, 35_000)
    assert (totals["rejected"].count, totals["rejected"].spent_minor) == (1, 0)
    assert totals["refunded"].count == 0
    assert "€1,050.00" in html  # total requested: 400 + 300 + 200 + 150
    assert "€300.00" in html  # spent after the refund, in the completed row and the total


def test_filters_by_status_team_with_sub_teams_and_dates(story, auth, client):
    w, erin, vision = story
    auth.login(erin)

    def titles(**args) -> set[str]:
        rows = _csv(client.get(URL + ".csv", query_string=args))
        return {r["title"] for r in rows}

    assert titles(status="pending") == {"Welding", "Optics"}
    assert titles(team=w.team.id) == {"ROS 2", "'=HYPERLINK(\"x\")", "Welding", "Optics"}
    assert titles(team=vision.id) == {"Optics"}
    assert titles(start="2026-03-01", end="2026-03-31") == {"Optics"}
    assert titles(status="pending", end="2026-03-31") == {"Optics"}
    html = client.get(URL, query_string={"team": vision.id}).get_data(as_text=True)
    assert "Optics" in html and "Welding" not in html


def test_a_bad_date_range_is_explained_next_to_the_field(story, auth, client):
    _w, erin, _vision = story
    auth.login(erin)
    page = client.get(URL, query_string={"start": "2026-05-01", "end": "2026-04-01"})
    assert page.status_code == 200
    assert "Choose an end date on or after the start date." in page.get_data(as_text=True)
    page = client.get(URL, query_string={"start": "yesterday"})
    assert "Not a valid date value." in page.get_data(as_text=True)


def test_csv_export_neutralises_formulas_and_carries_the_money(story, auth, client):
    w, erin, _vision = story
    auth.login(erin)
    response = client.get(URL + ".csv")
    assert response.mimetype == "text/csv"
    listed = _csv(response)
    # Newest first by the request's date, not its id: Sam's (dated in March) comes last.
    assert listed[-1]["title"] == "Optics"
    assert [r["title"] for r in listed][:1] != ["Optics"]
    rows = {r["title"]: r for r in listed}
    assert rows["'=HYPERLINK(\"x\")"]["status"] == "rejected"  # not a live formula
    ros = rows["ROS 2"]
    assert (ros["requester"], ros["team"], ros["price_minor"], ros["captured_minor"],
            ros["refunded_minor"], ros["currency"]) == ("Ada", "Robotics", "40000", "40000",
                                                        "10000", "EUR")


def test_pages_and_empty_states(acme_world, make_offering, make_user, give, auth, client):
    w = acme_world
    erin = make_user(w.company, name="Erin", roles=("executive",))
    auth.login(erin)
    assert "No learning requests yet" in client.get(URL).get_data(as_text=True)
    give(w.ada, 1_000_000)
    offering = make_offering(w.company, 1_000, "Short")
    for _ in range(27):
        submit.create_for_offering(w.ada, offering, None)
    db.session.commit()
    second = client.get(URL, query_string={"page": 2}).get_data(as_text=True)
    assert "27 requests" in second and "page 2 of 2" in second
    assert second.count('href="/requests/') - second.count('href="/requests/all') == 2
    assert "No request matches these filters" in client.get(
        URL, query_string={"status": "refunded"}).get_data(as_text=True)


@pytest.mark.parametrize("roles", [("employee",), ("manager", "employee")])
def test_people_who_are_not_executives_or_admins_are_refused(acme_world, make_user, auth,
                                                             client, roles):
    auth.login(make_user(acme_world.company, roles=roles))
    assert client.get(URL).status_code == 403
    assert client.get(URL + ".csv").status_code == 403
    assert 'href="/requests/all"' not in client.get("/home").get_data(as_text=True)


def test_another_companys_requests_and_teams_stay_hidden(story, make_company, make_user, auth,
                                                         client):
    w, _erin, vision = story
    globex = make_company("Globex", "globex")
    auth.login(make_user(globex, roles=("executive", "admin")))
    html = client.get(URL).get_data(as_text=True)
    assert "ROS 2" not in html and "No learning requests yet" in html
    assert _csv(client.get(URL + ".csv")) == []
    assert_foreign_404(client, [Route("GET", f"{URL}?team={w.team.id}"),
                                Route("GET", f"{URL}.csv?team={vision.id}")])


def test_the_list_runs_the_same_queries_for_5_or_25_requests(acme_world, make_offering,
                                                              make_user, make_team, give, auth,
                                                              client):
    w = acme_world
    erin = make_user(w.company, name="Erin", roles=("executive",))
    give(w.ada, 1_000_000)
    ids = (w.company.id, w.harriet.id, w.ada.id)

    def add(n: int) -> None:
        company, ada = db.session.get(type(w.company), ids[0]), db.session.get(User, ids[2])
        team = make_team(company, f"T{n}")
        person = make_user(company, team=team, manager=ada)
        give(person, 100_000, actor=db.session.get(User, ids[1]))
        offering = make_offering(company, 1_000, f"O{n}")
        submit.create_for_offering(person, offering, None)
        db.session.commit()

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get(URL).status_code == 200
        return counter.count

    auth.login(erin)
    for n in range(5):
        add(n)
    small = queries()
    for n in range(5, 25):
        add(n)
    assert queries() == small
    assert db.session.query(LearningRequest).count() == 25
    assert db.session.query(Team).count() == 26
