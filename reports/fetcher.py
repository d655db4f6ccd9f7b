"""The only way a report PDF loads anything: `data:` URLs and regular files under one folder.

WeasyPrint (70 and later) fetches every stylesheet, image, font, attachment and metadata file
through one `URLFetcher` object; since 70.0 it no longer falls back to its own fetcher for some of
them (CVE-2026-55073, an SSRF). `LockedFetcher` is that object for our reports. It refuses, before
any network code runs, every scheme except `data:` and `file:`, and a `file:` URL unless it names
a regular file inside its root (our `static/`) once `..` and symbolic links are resolved, on this
host. As a second lock its urllib opener is rebuilt with a `data:` handler only: no HTTP, HTTPS, FTP
or file handler and no redirect handler exists in it, so a bug in the first check still reaches
nothing and no redirect is ever followed.

This module imports WeasyPrint (about half a second, and Pango), so only the code that renders a
PDF imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import SplitResult, urlsplit
from urllib.request import DataHandler, OpenerDirector, UnknownHandler, url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger("trellis.reports")

#: What our static files are served as; anything else is a download.
MIME_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class FetchRefused(ValueError):
    """A report asked for a URL outside what it may load (WeasyPrint logs it and goes on)."""


class LockedFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
    """Serve `data:` URLs and the regular files under `root`; refuse everything else."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        # Second lock: replace the handlers WeasyPrint installed (HTTP, HTTPS, FTP, file, proxy,
        # redirects) by a `data:` handler; any other scheme reaching the opener is "unknown".
        OpenerDirector.__init__(self)
        self.add_handler(DataHandler())
        self.add_handler(UnknownHandler())
        self.root = root.resolve()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        # `URLFetcher.open(Request)` parks the request for the next `fetch`; never let a refused
        # one be replayed by the fetch that follows it.
        self._request = None
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        scheme = parts.scheme.lower() if parts else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts is not None and (path := self._static_file(parts)):
            mime = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        log.warning("Report rendering refused to fetch %r", url[:200])
        raise FetchRefused(f"Refused to fetch {url[:200]!r}: reports load only their own files.")

    def _static_file(self, parts: SplitResult) -> Path | None:
        """The regular file a `file:` URL names inside the root, or None."""
        if parts.netloc not in ("", "localhost"):  # urllib would fetch file://host/… over FTP
            return None
        try:
            path = Path(url2pathname(parts.path)).resolve()
            inside = path.is_relative_to(self.root) and path.is_file()
        except (OSError, ValueError):  # e.g. an encoded NUL byte
            return None
        return path if inside else None
