"""Markdown for posts, replies and comments: rendered with raw HTML switched off, then cleaned by
nh3 (the Ammonia sanitiser) so nothing but a short list of tags survives, and every link gets
`rel="nofollow noopener"`. Mentions are written `@[Full Name]` (the people picker inserts them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import markdown
import nh3
from markupsafe import Markup, escape

TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3",
        "h4", "h5", "h6", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}
MENTION = re.compile(r"@\[([^\]\n]{1,200})\]")


class _NoRawHtml(markdown.Extension):  # type: ignore[misc]  # Markdown ships no types
    """Raw HTML in the Markdown stays text (shown escaped), it is never passed through."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render(source: str | None, mentioned: Iterable[str] = ()) -> Markup:
    """Markdown → safe HTML; `@[Name]` of a `mentioned` person is highlighted."""
    html = markdown.markdown(source or "", extensions=[_NoRawHtml(), "fenced_code"],
                             output_format="html")
    # Headings inside a post must not compete with the page's own (h1/h2 become h3).
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                      link_rel="nofollow noopener")
    names = {str(escape(n)) for n in mentioned}
    if names:
        clean = MENTION.sub(lambda m: f'<strong class="mention">@{m.group(1)}</strong>'
                            if m.group(1) in names else m.group(0), clean)
    return Markup(clean)  # noqa: S704 (cleaned by nh3 just above)


def mention_names(source: str | None) -> set[str]:
    """The names written as `@[Name]` in a text."""
    return {m.group(1).strip() for m in MENTION.finditer(source or "")}


def plain(value: str | None, limit: int = 200) -> str:
    """A one-line plain excerpt (for lists and e-mails)."""
    text = re.sub(r"\s+", " ", value or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
