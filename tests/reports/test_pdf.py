"""The executive PDF: the printed numbers match the dataset; it loads its own stylesheet and,
whatever its HTML references (hostile names, injected markup), nothing else."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.extensions import db
from reports import datasets, pdf

from .conftest import END, START, Web, World, fonts_of, text_of


def render(world: World, team_id: int | None = None) -> tuple[datasets.Dataset, PdfReader]:
    params = datasets.Params(world.company.id, START, END, team_id)
    data = datasets.build(world.company, params, today=date(2026, 12, 1))
    return data, PdfReader(io.BytesIO(pdf.render(data).pdf))


def test_headline_numbers_and_heatmap_cells_are_printed(small: World) -> None:
    _data, reader = render(small)
    text = text_of(reader)
    cover = reader.pages[0].extract_text()
    for printed in ("Small Co", "10", "41%", "44%", "13", "€1,200", "€10,000", "€92.31",
                    "20%", "Writing coverage rose from 22% to 56%."):
        assert printed in cover, printed
    heat = next(p.extract_text() for p in reader.pages if "Coverage by team and capability" in p.extract_text())
    lines = heat.splitlines()
    alpha = [line for line in lines if line.startswith("Alpha")]
    assert alpha == ["Alpha 33%", "Alpha 67%"]  # Data analysis, then Writing
    assert [line for line in lines if line.startswith("All teams")] == ["All teams 33%",
                                                                        "All teams 56%"]
    assert sum(line.startswith("Beta") and "fewer than 5" in line for line in lines) == 2
    assert "Method" in text and "Data as of" in text


def test_pages_title_footer_and_metadata(small: World) -> None:
    data, reader = render(small)
    assert reader.metadata.title == f"Capability report: Small Co, {data.period_label}"
    assert reader.metadata.author == "Small Co"
    assert reader.metadata.creator and "Trellis" in reader.metadata.creator
    total = len(reader.pages)
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210,
                                                                                          297)
    last = reader.pages[-1].extract_text()
    assert f"Page {total} of {total}" in last
    assert f"Small Co · Whole company · {data.period_label}" in last


def test_the_report_is_set_in_its_own_stylesheet(small: World) -> None:
    """report-pdf.css comes through the locked fetcher: without it WeasyPrint would print in its
    default serif and number no page."""
    data = datasets.build(small.company, datasets.Params(small.company.id, START, END, None),
                          today=date(2026, 12, 1))
    raw = pdf.render(data).pdf
    fonts = fonts_of(raw)
    assert {"DejaVu-Sans", "DejaVu-Sans-Bold"} <= fonts
    assert not [name for name in fonts if "Serif" in name]
    reader = PdfReader(io.BytesIO(raw))
    assert f"Page 1 of {len(reader.pages)}" in reader.pages[0].extract_text()


def test_hostile_names_print_as_text_and_fetch_nothing(small: World, web: Web) -> None:
    attach = "<link rel=attachment href=file:///etc/hostname>"
    small.company.name = attach
    small.data.name = f"<img src={web.url}/pixel.svg>"
    small.alpha.name = f'<link rel="stylesheet" href="{web.url}/style.css">'
    db.session.commit()
    _data, reader = render(small)
    assert web.requests == []
    assert not reader.attachments
    text = text_of(reader).replace("\n", "")
    assert attach in text
    assert f"{web.url}/pixel.svg" in text


def hostile_markup(web: Web, folder: Path) -> tuple[str, str]:
    """Markup that loads from our test server and from files outside static/ (head, body): each
    stylesheet, if loaded, prints a marker after its probe paragraph."""
    (folder / "secret.css").write_text('p.disk::after { content: " READ-FROM-DISK"; }')
    (folder / "secret.txt").write_text("a file outside static/")
    head = (f'<link rel="stylesheet" href="{web.url}/style.css">'
            f'<link rel="stylesheet" href="{web.url}/redirect">'
            f'<link rel="stylesheet" href="{(folder / "secret.css").as_uri()}">'
            f'<link rel="attachment" href="{web.url}/note.txt">'
            f'<link rel="attachment" href="{(folder / "secret.txt").as_uri()}">')
    body = (f'<p class="web">web probe</p><p class="disk">disk probe</p>'
            f'<img src="{web.url}/pixel.svg">')
    return head, body


def test_a_report_referencing_the_network_and_other_files_loads_none_of_them(
        small: World, web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head, body = hostile_markup(web, tmp_path)
    own = pdf.report_html

    def tampered(data: datasets.Dataset) -> str:
        html = own(data)
        assert html.count("</head>") == 1 and html.count("<body>") == 1
        return html.replace("</head>", head + "</head>").replace("<body>", "<body>" + body)

    monkeypatch.setattr(pdf, "report_html", tampered)
    _data, reader = render(small)
    assert web.requests == []
    text = text_of(reader)
    assert "web probe" in text and "disk probe" in text  # the markup was laid out…
    assert "LOADED-OVER-HTTP" not in text and "READ-FROM-DISK" not in text  # …its files were not
    assert not reader.attachments
    assert f"Page 1 of {len(reader.pages)}" in reader.pages[0].extract_text()  # ours still was


def test_the_same_markup_reaches_out_with_weasyprints_stock_fetcher(
        web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: the probes do detect a fetcher that loads them."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    for proxy in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    head, body = hostile_markup(web, tmp_path)
    raw = HTML(string=f"<html><head>{head}</head><body>{body}</body></html>",
               url_fetcher=URLFetcher()).write_pdf()
    reader = PdfReader(io.BytesIO(raw))
    assert sorted(set(web.requests)) == ["/note.txt", "/pixel.svg", "/redirect", "/style.css"]
    text = text_of(reader)
    assert "LOADED-OVER-HTTP" in text and "READ-FROM-DISK" in text
    assert sorted(reader.attachments) == ["note.txt", "secret.txt"]


def test_a_small_team_prints_fewer_than_5(small: World) -> None:
    _data, reader = render(small, team_id=small.beta.id)
    cover = reader.pages[0].extract_text()
    assert cover.count("fewer than 5") >= 8
    assert "€" not in cover.split("What stands out")[0]
