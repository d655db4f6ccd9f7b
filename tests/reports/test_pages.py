"""Dashboard, CSV exports, PDF runs and history, as the people who use them."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from reports.models import ReportRun

from .conftest import World

PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}


def rows_of(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_executive_sees_the_company_dashboard(small: World, client: Any, auth: Any) -> None:
    auth.login("hr@small.test")
    page = client.get("/reports", query_string=PERIOD)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Writing coverage rose from 22% to 56%." in html
    assert "€92.31" in html and "fewer than 5 people: figures hidden" in html
    assert "Download the executive PDF" in html
    home = client.get("/home").get_data(as_text=True)
    assert "Capability report" in home and "/reports" in home


def test_manager_sees_only_their_team(small: World, client: Any, auth: Any,
                                      make_user: Any) -> None:
    boss = make_user(small.company, email="boss@small.test", roles=("manager", "employee"),
                     team=small.alpha)
    auth.login(boss)
    html = client.get("/reports", query_string=PERIOD).get_data(as_text=True)
    assert "Alpha" in html and ">Beta<" not in html
    assert 'name="team_id"' not in html  # no team picker for managers
    assert client.get("/reports", query_string=PERIOD | {"team_id": small.beta.id}
                      ).status_code == 403
    export = client.get("/reports/export/teams.csv", query_string=PERIOD)
    assert [r[0] for r in rows_of(export)[1:]] == ["Alpha"]


def test_employees_have_no_report(small: World, client: Any, auth: Any) -> None:
    auth.login(small.people["A1"])
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/export/summary.csv").status_code == 403
    assert client.post("/reports/runs").status_code == 403


def test_bad_period_is_a_400_naming_the_field(small: World, client: Any, auth: Any,
                                              fingerprint: Any) -> None:
    auth.login("hr@small.test")
    before = fingerprint()
    response = client.get("/reports", query_string={"from": "2025-02-30"})
    assert response.status_code == 400 and "from" in response.get_data(as_text=True)
    assert client.post("/reports/runs", data={"to": "x"}).status_code == 400
    assert fingerprint() == before


def test_csv_exports_match_the_dataset_and_hide_small_groups(small: World, client: Any,
                                                             auth: Any) -> None:
    auth.login("hr@small.test")
    teams = {r[0]: r for r in rows_of(client.get("/reports/export/teams.csv",
                                                 query_string=PERIOD))}
    assert teams["Alpha"][1:6] == ["6", "0.4444", "0.5", "8", "600.00"]
    assert set(teams["Beta"][1:]) == {"fewer than 5"}
    heat = rows_of(client.get("/reports/export/heatmap.csv", query_string=PERIOD))
    assert heat[0] == ["team", "Data / Data analysis", "Communication / Writing"]
    assert ["Beta", "fewer than 5", "fewer than 5"] in heat
    summary = {r[0]: r for r in rows_of(client.get("/reports/export/summary.csv",
                                                   query_string=PERIOD))}
    assert summary["spend_minor"][2:] == ["1200.00", "150.00"]
    growth = rows_of(client.get("/reports/export/growth.csv", query_string=PERIOD))
    assert [r[1] for r in growth[1:]] == ["1", "4", "3", "3", "2", "2"]
    assert client.get("/reports/export/nope.csv").status_code == 404


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_neutralises_formulas(small: World, client: Any, auth: Any, evil: str) -> None:
    small.alpha.name = evil
    small.data.name = evil
    db.session.commit()
    auth.login("hr@small.test")
    teams = rows_of(client.get("/reports/export/teams.csv", query_string=PERIOD))
    assert ["'" + evil] == [r[0] for r in teams if r[0].endswith(evil)]
    heat = rows_of(client.get("/reports/export/heatmap.csv", query_string=PERIOD))
    assert heat[0][1] == "Data / " + evil  # starts with "Data": nothing to neutralise
    gaps = rows_of(client.get("/reports/export/gaps.csv", query_string=PERIOD))
    assert gaps[1][0] == "'" + evil


def test_pdf_run_renders_at_once_for_a_small_company(small: World, client: Any,
                                                     auth: Any) -> None:
    auth.login("hr@small.test")
    response = client.post("/reports/runs", data=PERIOD)
    run = db.session.scalar(select(ReportRun))
    assert response.headers["Location"].endswith(f"/reports/runs/{run.id}")
    assert (run.status, run.progress, run.requested_by_id) == ("done", 100, small.admin.id)
    assert "Ready." in client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    download = client.get(f"/reports/runs/{run.id}/download")
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    history = client.get("/reports/history").get_data(as_text=True)
    assert "Hal Admin" in history and "Download" in history


def test_large_companies_render_in_the_background(small: World, app: Any, client: Any,
                                                  auth: Any) -> None:
    from reports import runs

    app.config["REPORTS_SYNC_PEOPLE"] = 3  # Small Co counts as large here
    auth.login("hr@small.test")
    client.post("/reports/runs", data=PERIOD)
    run = db.session.scalar(select(ReportRun))
    db.session.refresh(run)
    # The queue runs immediately in tests, after the commit that enqueued it.
    assert run.status == "done" and run.attempts == 1
    assert runs.file_for(run).read_bytes().startswith(b"%PDF")


def test_a_failed_render_is_recorded(small: World, app: Any, client: Any, auth: Any) -> None:
    # A file where the company's report folder should be: writing the PDF fails for real.
    blocker = Path(app.instance_path) / "reports" / str(small.company.id)
    shutil.rmtree(blocker, ignore_errors=True)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    auth.login("hr@small.test")
    try:
        client.post("/reports/runs", data=PERIOD)
    finally:
        blocker.unlink()
    run = db.session.scalar(select(ReportRun))
    db.session.refresh(run)
    assert run.status == "failed" and "Error" in run.error
    page = client.get(f"/reports/runs/{run.id}").get_data(as_text=True)
    assert "could not be made" in page
    assert client.get(f"/reports/runs/{run.id}/download").status_code == 404


def test_dashboard_queries_do_not_grow_with_people(small: World, client: Any, auth: Any,
                                                   make_user: Any) -> None:
    from tests.querycount import count_queries

    auth.login("hr@small.test")
    client.get("/reports", query_string=PERIOD)  # warm up
    with count_queries() as before:
        assert client.get("/reports", query_string=PERIOD).status_code == 200
    for i in range(6):
        make_user(small.company, email=f"new{i}@small.test", team=small.beta)
    client.get("/reports", query_string=PERIOD)  # warm up again: the session was expired
    with count_queries() as after:
        client.get("/reports", query_string=PERIOD)
    extra = after.statements[len(before.statements):] if after.count > before.count else []
    assert after.count == before.count <= 40, extra
