"""The busiest pages run a fixed number of queries, however many people and capabilities."""

from __future__ import annotations

from datetime import date

from tests.querycount import count_queries


def _team(make_company, make_user, make_capability, make_role, assign, evidence, size, caps):
    acme = make_company()
    boss = make_user(acme, roles=("manager", "employee"))
    capabilities = [make_capability(acme, f"Cap {i}") for i in range(caps)]
    role = make_role(acme, "Engineer", {c: 3 for c in capabilities})
    people = []
    for i in range(size):
        person = make_user(acme, manager=boss)
        assign(person, role)
        for c in capabilities:
            evidence(person, c, 1 + i % 5, "self", on=date(2026, 1, 1))
            evidence(person, c, 1 + (i + 1) % 5, "manager", on=date(2026, 2, 1), author=boss)
        people.append(person)
    return boss, people


def _queries(client, url: str) -> int:
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_query_counts_do_not_grow_with_people_or_capabilities(
        app, make_company, make_user, make_capability, make_role, assign, evidence, auth,
        client):
    counts = []
    for size, caps in ((2, 2), (6, 5)):
        boss, people = _team(make_company, make_user, make_capability, make_role, assign,
                             evidence, size, caps)
        auth.login(boss)
        team = _queries(client, "/team/capabilities")
        auth.logout()
        auth.login(people[0])
        mine = _queries(client, "/me/capabilities")
        auth.logout()
        counts.append((team, mine))
    assert counts[0] == counts[1], counts
    # My capabilities: 20, plus the subscription banner's one look-up that every page makes, plus
    # the person's company and their own row: each request commits, so like a request in
    # production it starts from nothing cached (the test client shares one session).
    assert counts[1][0] <= 15 and counts[1][1] <= 23, counts
