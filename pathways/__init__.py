"""The learning side: capability frameworks, roles, levels and gaps, catalogue, pathways."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the package's blueprints, CLI and filters (none yet: see the capability issue)."""
