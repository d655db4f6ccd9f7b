"""Form bases shared by every package (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class Form(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type information
    """Base of every form: CSRF-protected, with WTForms' typed fields."""
