"""Forms for frameworks, capabilities, roles, assessments and rating requests."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import Form, int_or_none


class ScaleForm(Form):
    name = StringField("Scale name", validators=[DataRequired(), Length(max=120)])
    levels = TextAreaField(
        "Levels", validators=[DataRequired(), Length(max=20_000)],
        description="One level per line, lowest first, as 'Name: what it looks like'.")


class FrameworkForm(Form):
    name = StringField("Framework name", validators=[DataRequired(), Length(max=120)])
    scale_id = SelectField("Scale", coerce=int_or_none, validate_choice=False,
                           validators=[DataRequired("Choose a scale.")])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class CapabilityForm(Form):
    category = StringField("Category", validators=[DataRequired(), Length(max=120)],
                           description="An existing category, or a new one to create.")
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    external_id = StringField("External id", validators=[Optional(), Length(max=300)],
                              description="ESCO URI, SFIA code or your own reference.")
    descriptors = TextAreaField(
        "Level descriptors", validators=[Optional(), Length(max=20_000)],
        description="Optional: one line per level, lowest first; leave a line empty to skip.")


class FrameworkImportForm(Form):
    file = FileField("CSV or JSON file", validators=[
        FileRequired("Choose a CSV or JSON file."),
        FileAllowed(["csv", "txt", "json"], "Upload a .csv or .json file.")])
    framework = StringField("Framework", validators=[Optional(), Length(max=120)],
                            description="Imported into this framework (created if new). "
                            "A JSON file names its own framework when this is empty.")
    scale = StringField("Scale", validators=[Optional(), Length(max=120)],
                        description="For a new framework: the scale's name. Empty: the "
                        "company's only scale, or the standard 1–5 scale.")


class ScaleChangeForm(Form):
    scale_id = SelectField("New scale", coerce=int_or_none, validate_choice=False,
                           validators=[DataRequired("Choose a scale.")])


class RoleForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    family = StringField("Family", validators=[Optional(), Length(max=120)],
                         description="e.g. Engineering, Data, Product.")
    seniority = IntegerField("Seniority", validators=[Optional(), NumberRange(0, 20)],
                             description="A number that orders roles in a family (0–20).")
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class CopyRoleForm(Form):
    title = StringField("Title of the copy", validators=[DataRequired(), Length(max=160)])


class MoveForm(Form):
    to_role_id = SelectField("Next role", coerce=int_or_none, validate_choice=False,
                             validators=[DataRequired("Choose a role.")])


class AssignForm(Form):
    role_id = SelectField("Role", coerce=int_or_none, validate_choice=False)


class AssessForm(Form):
    capability_id = SelectField("Capability", coerce=int_or_none, validate_choice=False,
                                validators=[DataRequired("Choose a capability.")])
    level = SelectField("Level", coerce=int_or_none, validate_choice=False,
                        validators=[DataRequired("Choose a level.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)],
                         description="What you did that shows this level.")


class RequestForm(Form):
    capability_id = SelectField("Capability", coerce=int_or_none, validate_choice=False,
                                validators=[DataRequired("Choose a capability.")])
    rater_email = StringField("Ask", validators=[Optional(), Length(max=254)],
                              description="A colleague's e-mail for a peer rating; empty asks "
                              "your line manager.")
    note = TextAreaField("Message", validators=[Optional(), Length(max=2000)])


class TargetForm(Form):
    target_role_id = SelectField("Target role", coerce=int_or_none, validate_choice=False)
