"""The summary API's cache: the same answer again without recomputing, a new one whenever
evidence, money or people change (Small Co, see conftest.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event

from app.extensions import db
from billing import budgets
from billing.policies import Period

from .conftest import World

PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}


class Statements:
    """Counts the SQL statements run inside the block."""

    def __enter__(self) -> Statements:
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def __exit__(self, *_exc: Any) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)


def _summary(client: Any, **extra: Any) -> dict[str, Any]:
    response = client.get("/api/v1/reports/summary", query_string=PERIOD | extra)
    assert response.status_code == 200
    return response.get_json()


def test_a_repeated_summary_is_served_from_the_cache(small: World, api_as: Any) -> None:
    client = api_as(small.admin)
    first = _summary(client)
    with Statements() as cold:
        _summary(client, team_id=small.alpha.id)
    with Statements() as warm:
        again = _summary(client)
    assert again == first
    assert warm.count < cold.count / 3  # identity, parameters and the data version only


def test_new_evidence_changes_the_cached_summary(small: World, api_as: Any,
                                                 evidence: Any) -> None:
    client = api_as(small.admin)
    assert _summary(client)["levels_gained"] == 13
    evidence(small.people["A6"], small.data, 3, "manager", on=date(2025, 3, 1),
             author=small.admin)
    assert _summary(client)["levels_gained"] == 16


def test_money_and_people_changes_change_the_cached_summary(small: World,
                                                            api_as: Any) -> None:
    client = api_as(small.admin)
    assert _summary(client)["budget_minor"] == 1_000_000
    budgets.adjust(small.admin, small.people["A1"], 5_000, "Extra (test)", "cache-adjust",
                   Period(date(2025, 1, 1), date(2025, 12, 31)))
    db.session.commit()
    assert _summary(client)["budget_minor"] == 1_005_000
    small.people["B1"].team_id = small.alpha.id
    db.session.commit()
    alpha = next(t for t in _summary(client)["teams"] if t["name"] == "Alpha")
    assert alpha["people"] == 7
