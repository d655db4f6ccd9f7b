"""Report datasets, SVG charts, PDF rendering, CSV exports and scheduled delivery."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the package's blueprints, CLI and filters (none yet: see the reports issue)."""
