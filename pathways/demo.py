"""Demo data (placeholder)."""


def seed(world, say):  # type: ignore[no-untyped-def]
    return None
