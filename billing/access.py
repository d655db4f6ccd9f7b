"""Who may see whose budget."""

from __future__ import annotations

from app.models import User


def can_see_budget(viewer: User, person: User) -> bool:
    """Everyone sees their own; managers their direct reports; admins and executives all."""
    return (viewer.id == person.id or viewer.has_role("admin", "executive")
            or (viewer.has_role("manager") and person.manager_id == viewer.id))
