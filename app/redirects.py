"""Redirect targets that come from a request (`?next=`, a hidden `next` field) stay on this site.

Every redirect whose target the request supplies goes through `local_target`, and nothing
redirects to the `Referer`. A prefix check is not enough: browsers drop tabs and newlines inside
a URL and read `\\` as `/`, so `/\\t/evil.example` and `/\\evil.example` both become
`//evil.example`, another host; a newline in a `Location` header is a 500 (or a header injection).
So the target is refused when it holds any control character or backslash, and otherwise parsed:
it must have no scheme and no host and be an absolute path that does not start with `//`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MAX_LENGTH = 2000
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def local_target(target: str | None) -> str | None:
    """`target` when it is a path of this site (with its query and fragment), else None."""
    if not target or len(target) > MAX_LENGTH or _UNSAFE.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced "[" read as an IPv6 host
        return None
    if parts.scheme or parts.netloc:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))
