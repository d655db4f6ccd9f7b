"""A bounded crawler of the HTML pages a signed-in person can reach, through the Flask test client.

It starts from a few pages (e.g. `/home`), follows every same-origin `<a href>` with GET only,
and records what went wrong: a 5xx, an exception raised while handling the request (in tests
exceptions propagate from the test client: a template error arrives as one), and a link that
answers 4xx (broken, or one the person cannot use), each with the page that linked to it.

It skips signing out and downloads (by URL, and by the response's Content-Type or
Content-Disposition) and stays bounded: URLs are reduced to a pattern (numeric path segments
become `{id}`, a query string becomes its sorted keys) and only `per_pattern` instances of each
pattern are visited, `max_pages` in all (the start pages always are).
"""

from __future__ import annotations

import re
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

from flask.testing import FlaskClient

ORIGIN = "http://localhost"
DOWNLOAD_SUFFIXES = (".pdf", ".csv", ".ics", ".json", ".zip", ".xml")
DOWNLOAD_WORDS = {"download", "export", "certificate"}  # path segments that serve files
SIGN_OUT = {"/logout", "/sign-out"}
START = "(start)"  # the referrer of a start page
PAGE_TYPES = ("text/html",)
_NUMERIC = re.compile(r"^\d+$")


def pattern(url: str) -> str:
    """`/roles/12?page=2&q=x` → `/roles/{id}?page&q`: what counts as "the same page"."""
    parts = urlsplit(url)
    path = "/".join("{id}" if _NUMERIC.match(s) else s for s in parts.path.split("/"))
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def is_download(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(DOWNLOAD_SUFFIXES) or bool(DOWNLOAD_WORDS & set(path.split("/")))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str, page: str) -> list[str]:
    """The same-origin links of a page, as paths with their query (fragments dropped)."""
    parser = _Links()
    parser.feed(html)
    found: list[str] = []
    for href in parser.hrefs:
        absolute, _fragment = urldefrag(urljoin(ORIGIN + page, href.strip()))
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            continue  # mailto:, javascript:, another host
        query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
        found.append(parts.path + ("?" + query if query else ""))
    return found


@dataclass
class Failure:
    url: str
    referrer: str
    error: str

    def __str__(self) -> str:
        return f"GET {self.url} (linked from {self.referrer}): {self.error}"


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # url → status
    failures: list[Failure] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)
    capped: int = 0  # links not followed because their pattern or the whole crawl was full

    def report(self, who: str) -> str:
        lines = [f"{len(self.failures)} failure(s) crawling as {who} "
                 f"({len(self.visited)} pages visited):"]
        return "\n".join(lines + [f"  - {f}" for f in self.failures])


def crawl(client: FlaskClient, start: list[str], *, per_pattern: int = 2, max_pages: int = 200,
          on_error: Callable[[], None] | None = None) -> Crawl:
    """Visit `start` and what it links to, breadth first, within the bounds. `on_error` runs
    after a request raised (e.g. to roll the shared database session back)."""
    result = Crawl()
    seen: set[str] = set(start)
    counts: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque((url, START) for url in start)
    while queue:
        url, referrer = queue.popleft()
        key = pattern(url)
        full = counts.get(key, 0) >= per_pattern or len(result.visited) >= max_pages
        if full and referrer != START:  # the start pages are always visited
            result.capped += 1
            continue
        counts[key] = counts.get(key, 0) + 1
        for link in _visit(client, url, referrer, result, on_error):
            if link in seen:
                continue
            seen.add(link)
            if urlsplit(link).path in SIGN_OUT or is_download(link):
                result.skipped.add(link)
            else:
                queue.append((link, url))
    return result


def _visit(client: FlaskClient, url: str, referrer: str, result: Crawl,
           on_error: Callable[[], None] | None) -> list[str]:
    try:
        response = client.get(url)
    except Exception as exc:  # noqa: BLE001 - the crawler records every error and goes on
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f"{f.filename.rsplit('/', 2)[-2]}/{f.filename.rsplit('/', 1)[-1]}:{f.lineno}"
                      for f in reversed(frames) if f.filename.endswith(".html")),
                     f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?")
        result.visited[url] = 500
        result.failures.append(Failure(url, referrer, f"{type(exc).__name__}: {exc} [{where}]"))
        if on_error is not None:
            on_error()
        return []
    status = response.status_code
    result.visited[url] = status
    if status >= 500:
        result.failures.append(Failure(url, referrer, f"{status} server error"))
        return []
    if status >= 400:
        result.failures.append(Failure(url, referrer, f"{status} for a link on a page this person "
                                                      f"reaches (broken or not theirs to use)"))
        return []
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        target = links_of(f'<a href="{location}"></a>', url)
        if target and urlsplit(target[0]).path == "/login":
            result.failures.append(Failure(url, referrer, "redirects to the sign-in page"))
            return []
        return target
    content_type = response.headers.get("Content-Type", "")
    disposition = response.headers.get("Content-Disposition", "")
    if not content_type.startswith(PAGE_TYPES) or disposition.startswith("attachment"):
        result.skipped.add(url)
        return []
    return links_of(response.get_data(as_text=True), url)
