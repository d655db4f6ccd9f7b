"""The single sign-on settings form."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import Form
from ..models import ACCESS_ROLES


def parse_role_map(text: str) -> dict[str, str]:
    """Lines of `<IdP group> = <access role>`."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        group, sep, role = line.partition("=")
        if not sep or role.strip() not in ACCESS_ROLES or not group.strip():
            raise ValidationError(f"Line {number}: write 'group = role', role one of {', '.join(ACCESS_ROLES)}.")
        out[group.strip()] = role.strip()
    return out


class SsoForm(Form):
    issuer = StringField("Issuer URL", validators=[DataRequired("Enter the issuer URL."), Length(max=500)])
    client_id = StringField("Client id", validators=[DataRequired("Enter the client id."), Length(max=300)])
    client_secret = PasswordField("Client secret", validators=[Optional(), Length(max=500)])
    email_claim = StringField("E-mail claim", default="email", validators=[Length(max=100)])
    groups_claim = StringField("Groups claim", validators=[Optional(), Length(max=100)])
    role_map = TextAreaField("Group → access role", validators=[Optional(), Length(max=4000)])
    jit = BooleanField("Create people at their first sign-in (just in time)")
    require_sso = BooleanField("Require single sign-on for everyone but me (the break-glass admin)")

    def validate_role_map(self, field: TextAreaField) -> None:
        parse_role_map(field.data or "")
