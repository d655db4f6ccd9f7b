"""An id in a URL beyond what an INTEGER column holds is a 404, on every database, never a 500."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("path", ["/api/v1/employees/2147483648", "/api/v1/employees/9223372036854775808",
                                  "/api/v1/employees/99999999999999999999999"])
def test_ids_beyond_the_column_are_not_found(make_company: Any, make_user: Any, api_as: Any,
                                             path: str) -> None:
    company = make_company()
    admin = make_user(company, roles=("admin",))
    assert api_as(admin).get(path).status_code == 404


def test_largest_id_still_routes(make_company: Any, make_user: Any, api_as: Any) -> None:
    company = make_company()
    admin = make_user(company, roles=("admin",))
    answer = api_as(admin).get("/api/v1/employees/2147483647")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"
