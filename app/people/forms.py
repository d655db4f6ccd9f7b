"""Forms for people, teams and the CSV import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import ACCESS_ROLES
from ..validators import EmailAddress


def _int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[arg-type]


def as_choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    team_id = SelectField("Team", coerce=_int_or_none, validate_choice=False)
    manager_email = EmailField(
        "Line manager's e-mail", validators=[Optional(), EmailAddress()],
        description="Leave empty for someone without a line manager.",
    )
    access_roles = MultiCheckboxField(
        "Access roles",
        choices=[SelectChoice(r, r.capitalize()) for r in ACCESS_ROLES],
        validators=[DataRequired(message="Choose at least one access role.")],
    )
    start_date = DateField("Start date", validators=[Optional()])


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120)])
    parent_id = SelectField("Part of", coerce=_int_or_none, validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file."), FileAllowed(["csv", "txt"], "Upload a .csv file.")],
    )


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token guards confirm/deactivate/invite buttons."""
