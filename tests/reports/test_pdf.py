"""The executive PDF: the printed numbers match the dataset; hostile names fetch nothing."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import date

import pytest
from pypdf import PdfReader

from app.extensions import db
from reports import datasets, pdf

from .conftest import END, START, World


def render(world: World, team_id: int | None = None) -> tuple[datasets.Dataset, PdfReader]:
    params = datasets.Params(world.company.id, START, END, team_id)
    data = datasets.build(world.company, params, today=date(2026, 12, 1))
    return data, PdfReader(io.BytesIO(pdf.render(data).pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


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


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP server that only records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _addr = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_hostile_names_print_as_text_and_fetch_nothing(small: World,
                                                       listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    attach = "<link rel=attachment href=file:///etc/hostname>"
    image = f"<img src=http://127.0.0.1:{port}/>"
    small.company.name = attach
    small.data.name = image
    small.alpha.name = f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
    db.session.commit()
    _data, reader = render(small)
    assert connections(listener) == 0
    assert not reader.attachments
    text = text_of(reader)
    assert attach in text.replace("\n", "")
    assert f"127.0.0.1:{port}" in text


def test_the_fetcher_refuses_everything_but_data_and_our_static_files(
        listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    for url in (f"http://127.0.0.1:{port}/", "https://example.com/x.css", "file:///etc/hostname",
                f"{pdf.STATIC.as_uri()}/../app/config.py", "ftp://127.0.0.1/x"):
        with pytest.raises(pdf.FetchRefused):
            pdf.safe_fetcher(url)
    assert pdf.safe_fetcher("data:text/plain,hi")["string"] == b"hi"
    assert b"@page" in pdf.safe_fetcher(f"{pdf.STATIC.as_uri()}/css/report-pdf.css")["string"]
    assert connections(listener) == 0


def test_raw_html_with_remote_resources_still_fetches_nothing(listener: socket.socket) -> None:
    """Second line of defence: even markup that escaped escaping cannot reach out."""
    from weasyprint import HTML

    port = listener.getsockname()[1]
    html = (f'<link rel="attachment" href="file:///etc/hostname">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
            f'<img src="http://127.0.0.1:{port}/i.png"><p>hello</p>')
    out = HTML(string=html, base_url=pdf.STATIC.as_uri() + "/",
               url_fetcher=pdf.safe_fetcher).write_pdf()
    assert connections(listener) == 0
    assert not PdfReader(io.BytesIO(out)).attachments


def test_a_small_team_prints_fewer_than_5(small: World) -> None:
    _data, reader = render(small, team_id=small.beta.id)
    cover = reader.pages[0].extract_text()
    assert cover.count("fewer than 5") >= 8
    assert "€" not in cover.split("What stands out")[0]
