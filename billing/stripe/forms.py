"""Forms of the Stripe billing page. Amounts are typed in major units, stored in minor units."""

from __future__ import annotations

from decimal import Decimal

from wtforms import DecimalField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import KeyedForm, as_choices
from app.validators import EmailAddress


class ProfileForm(KeyedForm):
    legal_name = StringField("Legal name", validators=[DataRequired(), Length(max=200)])
    billing_email = StringField("Billing e-mail", validators=[DataRequired(), EmailAddress()],
                                description="Invoices, receipts and failed payments go here.")
    address_line1 = StringField("Address", validators=[Optional(), Length(max=200)])
    address_line2 = StringField("Address line 2", validators=[Optional(), Length(max=200)])
    postal_code = StringField("Postal code", validators=[Optional(), Length(max=20)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    country = StringField("Country code", validators=[Optional(), Length(
        min=2, max=2, message="Use the two-letter country code, e.g. FR or GB.")],
                          description="Two letters, e.g. FR, DE, GB.")
    tax_id = StringField("Tax id (VAT number)", validators=[Optional(), Length(max=40)])
    payment_mode = RadioField("Pay top-ups", default="card", choices=as_choices([
        ("card", "With the saved card"),
        ("invoice", "By invoice (bank transfer), sent to the billing e-mail")]))


class CardForm(KeyedForm):
    payment_method_id = StringField(
        "Payment method id", validators=[DataRequired(), Length(max=100)],
        description="Filled in by Stripe.js when the card is confirmed. In test mode you may "
                    "type a test id such as pm_card_visa.")


class TopUpForm(KeyedForm):
    amount = DecimalField("Amount", places=2, validators=[
        InputRequired("Enter the amount to top up."),  # not DataRequired: 0 is an answer
        NumberRange(min=Decimal("0.01"), message="Enter an amount above zero.")])


class RefundForm(KeyedForm):
    amount = DecimalField("Amount to refund", places=2,
                          validators=[Optional(), NumberRange(
                              min=Decimal("0.01"), message="Enter an amount above zero to refund.")],
                          description="Leave empty to refund everything still refundable.")


class ConfirmForm(KeyedForm):
    """A button that posts (CSRF and a one-time key only)."""
