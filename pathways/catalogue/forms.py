"""Forms for the catalogue: providers, offerings, reviews (the offering import takes `app.forms.CsvFileForm`)."""

from __future__ import annotations

from wtforms import (
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import Form, as_choices, int_or_none

from .models import FORMAT_LABELS, OFFERING_TYPE_LABELS


class ProviderForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    url = StringField("Website", validators=[Optional(), Length(max=500)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class OfferingForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    type = SelectField("Type", choices=as_choices(list(OFFERING_TYPE_LABELS.items())))
    provider_id = SelectField("Provider", coerce=int_or_none, validate_choice=False)
    price = DecimalField("Price", places=2, validators=[Optional(), NumberRange(0, 10_000_000)],
                         description="In the company currency, e.g. 450 or 1299.50; empty "
                         "means free.")
    duration_hours = DecimalField("Duration (hours)", places=1,
                                  validators=[Optional(), NumberRange(0, 10_000)])
    format = SelectField("Format", choices=as_choices(list(FORMAT_LABELS.items())))
    language = StringField("Language", default="en", validators=[Optional(), Length(max=12)])
    url = StringField("Web address", validators=[Optional(), Length(max=500)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=10_000)])
    capabilities = TextAreaField(
        "Develops", validators=[Optional(), Length(max=5000)],
        description="One capability per line as 'Capability name: from-to', e.g. "
        "'Python: 1-3'.")


class ReviewForm(Form):
    rating = SelectField("Rating", coerce=int_or_none, validate_choice=False,
                         choices=as_choices([(5, "★★★★★ 5"), (4, "★★★★ 4"), (3, "★★★ 3"),
                                             (2, "★★ 2"), (1, "★ 1")]), validators=[DataRequired("Give 1 to 5 stars.")])
    text = TextAreaField("Review", validators=[Optional(), Length(max=4000)],
                         description="What was good, what was not, who should take it.")
