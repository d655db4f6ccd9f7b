"""Web plumbing shared by every package: navigation, security headers, error pages, filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, g, make_response, render_template, request, session
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .money import money, request_locale


@dataclass(frozen=True)
class NavItem:
    """One link in the main navigation, shown to people holding any of `roles`."""

    label: str
    endpoint: str
    roles: tuple[str, ...]
    order: int = 50
    section: str = "main"  # "main", "admin" (setting-up and money pages) or "account"


def add_nav(app: Flask, item: NavItem) -> None:
    """Packages register their pages here in `init_app`; the base layout renders them."""
    app.extensions.setdefault("trellis_nav", []).append(item)


def add_stylesheet(app: Flask, filename: str) -> None:
    """A package's own stylesheet (under static/), linked from every page after trellis.css."""
    styles = app.extensions.setdefault("trellis_styles", [])
    if filename not in styles:
        styles.append(filename)


def add_banner(app: Flask, template: str) -> None:
    """A package's notice partial, rendered under the header of every signed-in page.

    The partial decides itself whether it has anything to say (and stays silent otherwise),
    so the shell never needs to know what a subscription or a budget is.
    """
    banners = app.extensions.setdefault("trellis_banners", [])
    if template not in banners:
        banners.append(template)


def nav_for(app: Flask, user: Any, section: str = "main") -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [
        i
        for i in app.extensions.get("trellis_nav", [])
        if i.section == section and (not i.roles or user.has_role(*i.roles))
    ]
    return sorted(items, key=lambda i: (i.order, i.label))


# --- formatting ------------------------------------------------------------------------------

def number(value: float | int | None) -> str:
    return "—" if value is None else format_decimal(value, locale=request_locale())


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, locale=request_locale())


def nice_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return format_date(value, format="medium", locale=request_locale())


# --- headers and errors ----------------------------------------------------------------------

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _signed_in() -> bool:
    """Whether this request carried credentials: a signed-in session or a bearer token."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    return "_user_id" in session or request.headers.get("Authorization", "").startswith("Bearer ")


def security_headers(response: Any) -> Any:
    """The headers every answer carries (docs/operations.md, "Security")."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("TRELLIS_ENV") == "production":
        # Production is served over HTTPS (SESSION_COOKIE_SECURE is on): browsers must never
        # fall back to plain HTTP for this host.
        max_age = current_app.config.get("HSTS_MAX_AGE", 31_536_000)
        response.headers["Strict-Transport-Security"] = f"max-age={max_age}"
    if request.endpoint != "static" and _signed_in():
        # A signed-in answer (page, API, download, error) is one person's data: no browser
        # cache or proxy may keep it, so "Back" after sign-out or a shared computer shows nothing.
        response.headers["Cache-Control"] = "no-store"
    return response


def handle_http_error(error: HTTPException) -> Response:
    """The error page (or the JSON error under /api), keeping the exception's own headers: a
    405's `Allow`, a 429's `Retry-After`, a 401's `WWW-Authenticate`."""
    code = error.code or 500
    if request.path.startswith("/api/"):
        from .api.plumbing import json_error

        response = json_error(code, error.name.lower().replace(" ", "_"), error.description or "")
    else:
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        response = make_response(render_template(template, error=error), code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_server_error(error: Exception) -> Any:
    if request.path.startswith("/api/"):
        from .api.plumbing import json_error

        return json_error(500, "server_error", "Something went wrong on our side.")
    return render_template("errors/500.html"), 500


def _fresh_request_globals() -> None:
    # Tests run requests inside one long app context; per-request identity (and the CSRF token
    # Flask-WTF caches in `g`, which sign-in renews with the session) must not leak.
    for key in ("_login_user", "company", "api_token", "csrf_token"):
        g.pop(key, None)


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
    app.jinja_env.filters.update(money=money, number=number, percent=percent, date=nice_date)
    app.jinja_env.globals.update(nav_for=lambda section="main": nav_for(app, current_user, section),
                                 extra_stylesheets=lambda: app.extensions.get("trellis_styles", []),
                                 site_banners=lambda: app.extensions.get("trellis_banners", []))
