"""Forms for pathways: building them, steps, assigning, completing a step, the settings."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import Form, MultiCheckboxField, as_choices, int_or_none

from .models import STEP_KIND_LABELS


class PathwayForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=10_000)])
    target_role_id = SelectField("Toward role", coerce=int_or_none, validate_choice=False)
    target_capability_id = SelectField("Toward capability", coerce=int_or_none,
                                       validate_choice=False)
    self_enrol = BooleanField("Employees may enrol themselves", default=True)


class StepForm(Form):
    kind = SelectField("Kind", choices=as_choices(list(STEP_KIND_LABELS.items())))
    offering_id = SelectField("Offering", coerce=int_or_none, validate_choice=False,
                              description="For an offering step.")
    title = StringField("Title", validators=[Optional(), Length(max=200)],
                        description="Empty for an offering step: the offering's title.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    capability_id = SelectField("Capability", coerce=int_or_none, validate_choice=False,
                                description="For a mentor session, practice task or reading.")
    to_level = IntegerField("Shows level", validators=[Optional(), NumberRange(1, 10)])
    url = StringField("Link", validators=[Optional(), Length(max=500)])
    estimated_hours = DecimalField("Estimated hours", places=1,
                                   validators=[Optional(), NumberRange(0, 10_000)])
    estimated_cost = DecimalField("Estimated cost", places=2,
                                  validators=[Optional(), NumberRange(0, 10_000_000)])
    required = BooleanField("Required", default=True)
    prerequisite_ids = SelectMultipleField("Needs first", coerce=int, validate_choice=False)


class AssignPathwayForm(Form):
    emails = TextAreaField("People", validators=[Optional(), Length(max=20_000)],
                           description="E-mail addresses, one per line or comma-separated.")
    team_ids = SelectMultipleField("Whole teams", coerce=int, validate_choice=False,
                                   description="Everyone active in these teams and their "
                                   "sub-teams.")
    due_date = DateField("Due date", validators=[Optional()])


class CompleteStepForm(Form):
    note = TextAreaField("Note", validators=[Optional(), Length(max=4000)],
                         description="What you did or learned.")
    link = StringField("Link", validators=[Optional(), Length(max=500)],
                       description="e.g. a certificate URL or your project.")
    certificate = FileField("Certificate", validators=[Optional()],
                            description="PDF, PNG or JPEG, at most 5 MB.")


class SettingsForm(Form):
    require_manager_verification = BooleanField(
        "Managers verify completed steps before they count as evidence")



class TeamAssignForm(Form):
    """A manager assigns a published pathway to some or all of their direct reports."""

    pathway_id = SelectField("Pathway", coerce=int_or_none, validate_choice=False,
                             validators=[DataRequired("Choose a pathway.")])
    user_ids = MultiCheckboxField("People", coerce=int, validate_choice=False,
                                  description="Your direct reports.")
    everyone = BooleanField("All my direct reports",
                            description="Everyone who reports to you now.")
    due_date = DateField("Due date", validators=[Optional()],
                         description="Optional; it shows as overdue after this day.")
