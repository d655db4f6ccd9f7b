"""`flask report --company SLUG [--from --to] [--team NAME] --out FILE.pdf`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader

from .conftest import World


def test_report_command_writes_the_pdf(small: World, app: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(args=[
        "report", "--company", "small", "--from", "2025-01-01", "--to", "2025-06-30",
        "--team", "Alpha", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "Alpha" in result.output
    cover = PdfReader(out).pages[0].extract_text()
    assert "Alpha · 1 Jan 2025 – 30 Jun 2025" in cover and "€7,500" not in cover.split("\n")[0]


def test_report_command_names_the_bad_option(small: World, app: Any, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    out = tmp_path / "r.pdf"
    result = runner.invoke(args=["report", "--company", "small", "--team", "Gamma",
                                 "--out", str(out)])
    assert result.exit_code != 0 and "--team" in result.output
    result = runner.invoke(args=["report", "--company", "small", "--from", "2025-07-01",
                                 "--to", "2025-01-01", "--out", str(out)])
    assert result.exit_code != 0 and "--from" in result.output
    result = runner.invoke(args=["report", "--company", "nope", "--out", str(out)])
    assert result.exit_code != 0 and "nope" in result.output
    assert not out.exists()
