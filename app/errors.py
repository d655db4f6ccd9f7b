"""The one small hierarchy of domain errors; each carries a message a person can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation. `field` names the input at fault, if any."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    code = "validation_error"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class ReadOnly(DomainError):
    """The company cannot change data right now (e.g. its subscription was canceled)."""

    code = "read_only"
    status = 403
