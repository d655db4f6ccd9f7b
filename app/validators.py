"""Input validation shared by forms, the API and imports."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError as FormError

from .errors import ValidationError


def email_problem(raw: str) -> str | None:
    """Why `raw` is not a usable e-mail address, or None when it is fine."""
    try:
        # test_environment admits the reserved `.test` domain used by demo data and tests.
        validate_email(raw.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def normalise_email(raw: str, field_name: str = "email") -> str:
    """Lower-cased, normalised address, or a ValidationError naming the field."""
    try:
        info = validate_email(raw.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValidationError(f"'{raw}' is not a valid e-mail address: {exc}", field_name) from exc
    return info.normalized.lower()


class EmailAddress:
    """WTForms validator with the same rules as the services."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and (problem := email_problem(field.data)):
            raise FormError(f"Not a valid e-mail address: {problem}")
