"""Forms of the mentoring pages: mentor profile, offered capabilities, availability, coaches,
booking, cancelling, feedback and attestation."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import Form, as_choices, int_or_none
from app.validators import EmailAddress

from .mentors import MAX_CAP, SESSION_LENGTHS, WEEKDAYS, timezone_names


class MentorProfileForm(Form):
    timezone = SelectField("Time zone", validators=[DataRequired()],
                           description="Your availability is entered in this time zone.")
    monthly_cap = IntegerField("Sessions per month at most", default=4,
                               validators=[InputRequired("Give a number of sessions."),
                                           NumberRange(1, MAX_CAP)])
    session_minutes = SelectField("Session length", coerce=int, default=60)
    bio = TextAreaField("What you can help with", validators=[Optional(), Length(max=2000)])
    active = BooleanField("Taking bookings", default=True,
                          description="Untick to pause: you stay listed for past sessions only.")

    def fill_choices(self) -> None:
        self.timezone.choices = as_choices([(n, n.replace("_", " ")) for n in timezone_names()])
        self.session_minutes.choices = as_choices([(m, f"{m} minutes") for m in SESSION_LENGTHS])


class CoachForm(MentorProfileForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), EmailAddress(), Length(max=254)],
                       description="Invitations and cancellations go to this address.")
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    hourly_rate = DecimalField("Hourly rate", places=2,
                               validators=[InputRequired("Give the hourly rate."),
                                           NumberRange(min=0.01, max=1_000_000)])


class OfferForm(Form):
    capability_id = SelectField("Capability", coerce=int_or_none, validate_choice=False,
                                validators=[DataRequired("Choose a capability.")])
    level = SelectField("Level offered", coerce=int_or_none, validate_choice=False,
                        validators=[DataRequired("Choose a level.")],
                        description="The level you can take someone up to.")


class RuleForm(Form):
    weekday = SelectField("Day", coerce=int, choices=as_choices(list(enumerate(WEEKDAYS))))
    start_time = TimeField("From", validators=[InputRequired("Give a start time.")])
    end_time = TimeField("Until", validators=[InputRequired("Give an end time.")])


class OneOffForm(Form):
    date = DateField("Date", validators=[InputRequired("Choose a date.")])
    start_time = TimeField("From", validators=[InputRequired("Give a start time.")])
    end_time = TimeField("Until", validators=[InputRequired("Give an end time.")])


class BookForm(Form):
    starts_at = HiddenField(validators=[DataRequired("Choose a slot.")])
    capability_id = SelectField("About", coerce=int_or_none, validate_choice=False,
                                validators=[Optional()])
    agenda = TextAreaField("What you would like to work on", validators=[Optional(),
                                                                          Length(max=2000)])
    # Set when booking from a pathway's mentor-session step (the session then completes it).
    enrolment_id = HiddenField()
    step_id = HiddenField()


class CancelForm(Form):
    reason = TextAreaField("Reason (optional, shared with the other person)",
                           validators=[Optional(), Length(max=1000)])


class FeedbackForm(Form):
    rating = RadioField("How useful was the session?", coerce=int_or_none,
                        choices=as_choices([(n, f"{'★' * n} {n} of 5") for n in range(1, 6)]),
                        validators=[InputRequired("Choose 1 to 5 stars.")])
    text = TextAreaField("Feedback for the mentor", validators=[Optional(), Length(max=2000)])


class AttestForm(Form):
    capability_id = SelectField("Capability", coerce=int_or_none, validate_choice=False,
                                validators=[DataRequired("Choose a capability.")])
    level = SelectField("Level shown", coerce=int_or_none, validate_choice=False,
                        validators=[DataRequired("Choose a level.")])
    note = TextAreaField("What they showed", validators=[Optional(), Length(max=2000)])
