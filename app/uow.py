"""One unit of work per request: one commit when the response is a success, a rollback otherwise.

Views call services (which flush, never commit) and return. This module then, once per request:

- commits when the response status is below 400 and nothing marked the request as failed, so the
  after-commit side effects (`app.tasks.after_commit`: e-mail, queued jobs) run only for work
  that is really saved;
- rolls back on a 4xx/5xx response, on an exception, or when `failed()` was called (a form shown
  again with an error is a 200 that must not save anything);
- turns a `DomainError` into what the person sees: `refusal(form)` puts the message next to the
  form field it names (or flashes it), and a `DomainError` no view caught becomes the JSON error
  under /api or an error page.

Route functions contain no `commit()` or `rollback()`. The few deliberate "save, call an outside
service, save again" sequences (Stripe) call `checkpoint(why)`, which commits mid-request and
says why. CLI commands and background jobs are their own units of work and commit themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import Flask, flash, g, render_template, request
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from .errors import DomainError
from .extensions import db


def failed() -> None:
    """Mark this request's work as not to be saved: the end of the request rolls it back."""
    g.trellis_uow_failed = True


def checkpoint(why: str) -> None:
    """Commit now, mid-request, because the next step talks to an outside service.

    `why` documents the reason at the call site (e.g. "the top-up row must exist before Stripe
    is asked to charge it, so a crash between the two leaves a row to reconcile"). The rest of the
    request is a new transaction that the end of the request commits or rolls back as usual.
    """
    del why  # the reason lives at the call site; nothing to do with it here
    db.session.commit()


@dataclass
class Attempt:
    """What `refusal` saw: `ok` is False when a DomainError was caught, `error` holds it."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def show_error(exc: DomainError, form: Any = None, default: str | None = None,
               fields: Mapping[str, str] | None = None) -> None:
    """Put `exc` next to the form field it names (through `fields`, a service name → form name
    map), else next to `default`, else flash it at the top of the page."""
    target = None
    if form is not None:
        name = (fields or {}).get(exc.field or "", exc.field or "")
        target = getattr(form, name, None) if name else None
        if target is None and default is not None:
            target = form[default]
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")


@contextmanager
def refusal(form: Any = None, default: str | None = None,
            fields: Mapping[str, str] | None = None, show: bool = True) -> Iterator[Attempt]:
    """Run service calls; a DomainError rolls the work back and is shown to the person.

    ::

        with refusal(form, default="note") as attempt:
            req = requests.submit(actor, offering, form.note.data, key)
        if attempt.ok:
            flash("Requested.", "success")
            return redirect(url_for("requests.detail", request_id=req.id))
        return render_template("…", form=form)   # the error sits next to its field

    With `show=False` nothing is flashed: the view puts `attempt.error` on a page of its own.
    """
    attempt = Attempt()
    try:
        yield attempt
    except DomainError as exc:
        # Roll back at once: the page shown next must not see the half-done work, and the end of
        # the request must not commit it (`failed`).
        db.session.rollback()
        failed()
        attempt.error = exc
        if show:
            show_error(exc, form, default, fields)


def _finish(response: Response) -> Response:
    if response.status_code < 400 and not g.pop("trellis_uow_failed", False):
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _teardown(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()
    g.pop("trellis_uow_failed", None)


def _uncaught_domain_error(exc: DomainError) -> Any:
    """A DomainError no view caught: the JSON error under /api, else the error page with it."""
    db.session.rollback()
    if request.path.startswith("/api/"):
        from .api.plumbing import domain_error

        return domain_error(exc)
    shown = SimpleNamespace(code=exc.status, name=HTTP_STATUS_CODES.get(exc.status, "Error"),
                            description=exc.message)
    return render_template("errors/generic.html", error=shown), exc.status


def init_app(app: Flask) -> None:
    # after_request functions run in reverse order of registration: registered first, the commit
    # runs last, after every other hook had its say about the response.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    app.teardown_request(_teardown)
    app.register_error_handler(DomainError, _uncaught_domain_error)
