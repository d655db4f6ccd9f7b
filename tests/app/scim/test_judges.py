"""Judged by software we did not write: scim2-tester's compliance checks and scim-sanity's probe
run against the app served live, and must report every check passing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from scim_sanity.probe.runner import run_probe_api


def _failures(results: list[Any]) -> list[str]:
    return [f"{r.title} [{r.resource_type or ''}]: {r.reason}" for r in results
            if r.status not in (Status.SUCCESS, Status.SKIPPED)]


def test_scim2_tester_reports_every_check_a_success(live_scim: tuple[str, str]) -> None:
    base, token = live_scim
    with Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        client = SyncSCIMClient(http)
        client.discover()
        results = check_server(client)
    failures = _failures(results)
    assert failures == [], "\n".join(failures)
    passed = [r for r in results if r.status == Status.SUCCESS]
    skipped = [r.title for r in results if r.status == Status.SKIPPED]
    # Only the cross-type /.search is skipped (Trellis answers 501, as RFC 7644 allows).
    assert set(skipped) <= {"search_with_attributes"}
    assert len(passed) > 50


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "compat"])
def test_scim_sanity_probe_passes(live_scim: tuple[str, str], strict: bool) -> None:
    base, token = live_scim
    report = run_probe_api(base, token=token, strict=strict, timeout=30)
    problems = [r for r in report["results"] if r["status"] in ("fail", "error")]
    assert problems == []
    assert report["summary"]["passed"] >= 20
