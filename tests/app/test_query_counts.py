"""The busiest pages of the shell run a fixed number of queries, however many people there are."""

from __future__ import annotations

from app.extensions import db
from app.models import Company, Team, User

from ..querycount import count_queries

PAGES = ("/people", "/home", "/teams")


def _queries_for(client, url: str) -> int:
    db.session.expunge_all()  # the test shares the request's session: start cold each time
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_people_list_and_home_do_not_grow_with_the_company(client, auth, make_company, make_user,
                                                            make_team):
    acme = make_company()
    admin = make_user(acme, roles=("admin", "manager", "employee", "executive"))
    team = make_team(acme, "Robotics")
    boss = make_user(acme, roles=("manager",), team=team)
    ids = (acme.id, admin.id, team.id, boss.id)
    for _ in range(5):
        make_user(acme, team=team, manager=admin)
    auth.login(admin)
    small = {url: _queries_for(client, url) for url in PAGES}
    acme, admin, team, boss = (db.session.get(m, i) for m, i in zip((Company, User, Team, User),
                                                                     ids, strict=True))
    for _ in range(20):
        make_user(acme, team=team, manager=boss)
        make_user(acme, manager=admin)
    large = {url: _queries_for(client, url) for url in PAGES}
    assert large == small
