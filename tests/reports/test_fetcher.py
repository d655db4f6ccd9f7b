"""reports.fetcher.LockedFetcher: `data:` URLs and the files under its root, nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.error import URLError
from urllib.request import OpenerDirector, Request

import pytest

from reports import pdf
from reports.fetcher import FetchRefused, LockedFetcher

from .conftest import Web, fonts_of

STATIC_URI = pdf.STATIC.as_uri()
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.parametrize("url", [
    "{web}/style.css",
    "{web}/redirect",
    "https://example.com/x.css",
    "ftp://127.0.0.1/x.css",
    "gopher://127.0.0.1/",
    "javascript:alert(1)",
    "about:blank",
    "file:///etc/hostname",
    "file://localhost/etc/hostname",
    "file://files.example.com{static_path}/css/report-pdf.css",  # urllib would use FTP
    "{static}/../app/config.py",
    "{static}/%2e%2e/app/config.py",
    "{static}/css",
    "{static}/css/missing.css",
    "{static}/css/report-pdf.css%00.png",
    "//127.0.0.1/x.css",
    "css/report-pdf.css",
])
def test_it_refuses_the_network_other_schemes_and_other_files(web: Web, url: str) -> None:
    target = url.format(web=web.url, static=STATIC_URI, static_path=pdf.STATIC.as_posix())
    with pytest.raises(FetchRefused):
        LockedFetcher(pdf.STATIC).fetch(target)
    assert web.requests == []


def test_it_serves_data_urls_and_the_files_under_its_root() -> None:
    fetcher = LockedFetcher(pdf.STATIC)
    plain = fetcher.fetch("data:text/plain,hi%20there")
    assert (plain.read(), plain.content_type) == (b"hi there", "text/plain")
    assert fetcher.fetch("data:image/png;base64,iVBORw0KGgo=").read() == b"\x89PNG\r\n\x1a\n"
    for url in (f"{STATIC_URI}/css/report-pdf.css", f"{STATIC_URI}/css/report-pdf.css?v=2#top",
                f"file://localhost{pdf.STATIC.as_posix()}/css/report-pdf.css",
                f"{STATIC_URI}/css/../css/report-pdf.css"):
        css = fetcher.fetch(url)
        assert (css.content_type, css.charset, css.url) == ("text/css", "utf-8", url)
        assert b"@page" in css.read()


def test_no_redirect_and_no_network_even_past_the_first_check(web: Web) -> None:
    fetcher = LockedFetcher(pdf.STATIC)
    with pytest.raises(FetchRefused):  # how urllib's redirect handler re-enters a fetcher
        fetcher.open(Request(f"{web.url}/redirect"))
    assert fetcher.fetch("data:,next").read() == b"next"  # the refused request is not replayed
    with pytest.raises(URLError, match="unknown url type: http"):  # the opener has no HTTP at all
        OpenerDirector.open(fetcher, f"{web.url}/style.css")
    with pytest.raises(URLError, match="unknown url type: file"):
        OpenerDirector.open(fetcher, f"{STATIC_URI}/css/report-pdf.css")
    assert web.requests == []


def test_a_symbolic_link_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "static"
    root.mkdir()
    (root / "own.css").write_text("p { color: teal }")
    (tmp_path / "secret.css").write_text("p { color: red }")
    (root / "link.css").symlink_to(tmp_path / "secret.css")
    fetcher = LockedFetcher(root)
    assert fetcher.fetch((root / "own.css").as_uri()).read() == b"p { color: teal }"
    with pytest.raises(FetchRefused):
        fetcher.fetch((root / "link.css").as_uri())


@pytest.mark.skipif(not (DEJAVU / "DejaVuSansMono.ttf").exists()
                    or not (DEJAVU / "DejaVuSans-ExtraLight.ttf").exists(),
                    reason="needs Debian's fonts-dejavu-core, the fonts the report is set in")
def test_fonts_load_from_the_root_and_from_nowhere_else(tmp_path: Path) -> None:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    root = tmp_path / "static"
    (root / "fonts").mkdir(parents=True)
    shutil.copy(DEJAVU / "DejaVuSansMono.ttf", root / "fonts" / "own.ttf")
    html = ("<style>@font-face { font-family: Own; src: url(fonts/own.ttf) }"
            "@font-face { font-family: Foreign; "
            f"src: url({(DEJAVU / 'DejaVuSans-ExtraLight.ttf').as_uri()}) }}"
            'body { font-family: "DejaVu Sans" } .own { font-family: Own }'
            '.foreign { font-family: Foreign, "DejaVu Sans" }</style>'
            '<p class="own">own font</p><p class="foreign">foreign font</p>')
    base = root.as_uri() + "/"
    locked = fonts_of(HTML(string=html, base_url=base, url_fetcher=LockedFetcher(root)).write_pdf())
    stock = fonts_of(HTML(string=html, base_url=base, url_fetcher=URLFetcher()).write_pdf())
    def embedded(family: str, fonts: set[str]) -> bool:  # named after the @font-face family
        return any(name.startswith(family) for name in fonts)

    assert embedded("Own", locked)
    assert not embedded("Foreign", locked)
    assert embedded("Foreign", stock)  # the control: a fetcher that may read the file embeds it
