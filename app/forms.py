"""Form bases and fields shared by every package (each package's own forms live in its
`forms.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


class Form(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type information
    """Base of every form: CSRF-protected, with WTForms' typed fields, and no NUL bytes in any
    text (PostgreSQL cannot store them: refused here, next to the field, instead of a 500)."""

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid: bool = super().validate(extra_validators)
        for field in self:
            if _has_nul(field.data):
                field.errors = [*field.errors, f"{field.label.text} cannot contain NUL characters."]
                valid = False
        return valid


def _has_nul(data: object) -> bool:
    """A text value (or a list of them, from a multi-select) holding a NUL byte."""
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, list | tuple):
        return any(isinstance(item, str) and "\x00" in item for item in data)
    return False


def int_or_none(value: object) -> int | None:
    """`coerce` for a select whose empty choice means "none"."""
    return int(str(value)) if value not in (None, "", "None") else None


def as_choices(pairs: Sequence[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as a select field's choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]  # WTForms: no type information
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CsvFileForm(Form):
    """One CSV file to import (people, offerings, coaches)."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file."),
                                             FileAllowed(["csv", "txt"], "Upload a .csv file.")])


class ConfirmForm(Form):
    """An empty form: its CSRF token guards POST buttons (confirm, deactivate, publish, …)."""


class KeyedForm(Form):
    """A form whose submission moves money once: the key is minted when the form is shown."""

    key = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = uuid.uuid4().hex
