"""Demo communities for Acme Robotics (seeder order 75, after mentoring and requests)."""

from __future__ import annotations

from collections.abc import Callable

from app.demo import DemoWorld


def seed(world: DemoWorld, say: Callable[[str], None]) -> None:
    """Filled in below."""
