"""Every report route that takes an id or a team is tenant-scoped: another company gets 404/400."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.extensions import db
from reports import datasets, runs
from reports.models import ReportSubscription
from tests.tenancy import Route, assert_foreign_404

from .conftest import World


def test_foreign_runs_and_subscriptions_are_404(small: World, make_company: Any, make_user: Any,
                                                client: Any, auth: Any, api_as: Any) -> None:
    run = runs.request_run(small.admin, datasets.Params(small.company.id, date(2025, 1, 1),
                                                        date(2025, 6, 30)))
    db.session.commit()
    runs.execute(run.id)
    sub = runs.subscribe(small.admin, "monthly", None)
    db.session.commit()
    other = make_company("Other", "other")
    intruder = make_user(other, email="hr@other.test", roles=("admin", "executive"))
    auth.login(intruder)
    assert_foreign_404(client, [
        Route("GET", f"/reports/runs/{run.id}"),
        Route("GET", f"/reports/runs/{run.id}/download"),
        Route("POST", f"/reports/subscriptions/{sub.id}/stop"),
    ])
    assert db.session.get(ReportSubscription, sub.id).active
    # A foreign team id is refused (not shown) on every report route.
    foreign_team = {"team_id": small.alpha.id}
    for url in ("/reports", "/reports/export/teams.csv"):
        assert client.get(url, query_string=foreign_team).status_code == 400
    assert client.post("/reports/runs", data=foreign_team).status_code == 400
    api = api_as(intruder)
    response = api.get("/api/v1/reports/summary", query_string=foreign_team)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "team_id"
    assert api.get("/api/v1/reports/capability.pdf", query_string=foreign_team).status_code == 400
    # Their own report shows nothing of Small Co.
    html = client.get("/reports").get_data(as_text=True)
    assert "Alpha" not in html and "Small Co" not in html


def test_managers_see_only_their_own_runs(small: World, make_user: Any, client: Any,
                                          auth: Any) -> None:
    run = runs.request_run(small.admin, datasets.Params(small.company.id, date(2025, 1, 1),
                                                        date(2025, 6, 30)))
    db.session.commit()
    boss = make_user(small.company, email="boss@small.test", roles=("manager",), team=small.alpha)
    auth.login(boss)
    assert client.get(f"/reports/runs/{run.id}").status_code == 404
    assert "Hal Admin" not in client.get("/reports/history").get_data(as_text=True)
