"""Forms for people, teams and the CSV import."""

from __future__ import annotations

from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form, MultiCheckboxField, int_or_none
from ..models import ACCESS_ROLES
from ..validators import EmailAddress


class PersonForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    team_id = SelectField("Team", coerce=int_or_none, validate_choice=False)
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


class TeamForm(Form):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120)])
    parent_id = SelectField("Part of", coerce=int_or_none, validate_choice=False)

