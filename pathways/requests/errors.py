"""The learning-request flow's domain errors."""

from __future__ import annotations

from app.errors import Conflict, DomainError


class RequestError(DomainError):
    code = "request_error"
    status = 422


class RequestStateError(Conflict):
    code = "request_state"


class MissingHold(Conflict):
    """An open request whose budget hold is gone (damaged or hand-made data): nothing can move."""

    code = "request_hold_missing"
