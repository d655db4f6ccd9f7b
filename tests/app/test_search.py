"""Searches take `%` and `_` literally: a search for "%" finds names with a percent sign, not everyone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.search import contains_text, like_escape


def test_like_escape_makes_wildcards_and_the_escape_literal() -> None:
    assert like_escape(r"50%_a\b") == r"50\%\_a\\b"


def test_contains_text_matches_wildcards_literally(make_company: Any, make_user: Any) -> None:
    company = make_company()
    make_user(company, name="Ana 100% Lopez")
    make_user(company, name="Bo_Chen")
    make_user(company, name="Cy Back\\slash")
    make_user(company, name="Dee Plain")

    def names(text: str) -> list[str]:
        query = select(User.name).where(User.company_id == company.id,
                                        contains_text(text, User.name)).order_by(User.name)
        return list(db.session.scalars(query))

    assert names("%") == ["Ana 100% Lopez"]
    assert names("_") == ["Bo_Chen"]
    assert names("\\") == ["Cy Back\\slash"]
    assert names("  PLAIN ") == ["Dee Plain"]


def test_people_api_search_for_percent_finds_only_literal_matches(
        make_company: Any, make_user: Any, api_as: Any) -> None:
    company = make_company()
    admin = make_user(company, roles=("admin",), name="Admin")
    make_user(company, name="Ana 100% Lopez")
    make_user(company, name="Dee Plain")
    found = api_as(admin).get("/api/v1/employees?q=%25").get_json()
    assert [p["name"] for p in found["items"]] == ["Ana 100% Lopez"]
