"""Sign-in and account forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ..forms import Form
from ..identity import MIN_PASSWORD_LENGTH
from ..validators import EmailAddress


class LoginForm(Form):
    email = EmailField("E-mail", validators=[DataRequired(), EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired()])


class CompanyChoiceForm(Form):
    """The second step of signing in with an address that is right for several companies."""

    account = RadioField("Company", coerce=int,
                         validators=[InputRequired(message="Choose the company to sign in to.")])


class ForgotPasswordForm(Form):
    email = EmailField("E-mail", validators=[DataRequired(), EmailAddress()])


def _new_password() -> PasswordField:
    return PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )


def _confirm() -> PasswordField:
    return PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class SetPasswordForm(Form):
    password = _new_password()
    confirm = _confirm()


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = _new_password()
    confirm = _confirm()


class TokenForm(Form):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])
