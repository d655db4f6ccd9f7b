"""The SCIM token form."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form


class ScimTokenForm(Form):
    name = StringField("Name", validators=[DataRequired("Name the token after the identity provider."),
                                           Length(max=100)])
