"""The plan a framework import builds: what the file holds, what is wrong with it, what it changes.

Shared by the readers (`framework_files`), the checks (`framework_checks`) and the writer
(`framework_apply`); `framework_import` is the entry point the rest of the app uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.people.importer import RowError

from .frameworks import LevelData

BASE_COLUMNS = ("category", "name", "description", "external_id")

# One capability as read from a file, before it is checked: (row number, its cells).
RawRow = tuple[int, dict[str, Any]]


@dataclass
class FrameworkPlan:
    framework_name: str
    scale_name: str | None = None
    scale_levels: list[LevelData] | None = None  # JSON only: the scale the file carries
    description: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_raw: list[RawRow] = field(default_factory=list, repr=False)
    creates: int = 0
    updates: int = 0
    unchanged: int = 0
    new_categories: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def is_number(text: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, but int() refuses it)."""
    return text.isascii() and text.isdigit() and len(text) <= 3
