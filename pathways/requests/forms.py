"""Forms of the learning-request pages. Amounts are typed in major units (€12.50)."""

from __future__ import annotations

from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import Form, KeyedForm, as_choices

from .models import NOTE_MAX


class RequestForm(KeyedForm):
    note = TextAreaField("Why this, and why now?", validators=[Optional(), Length(max=NOTE_MAX)],
                         description="Your approver sees this note.")


class DecisionForm(Form):
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=NOTE_MAX)],
                            description="Optional; the requester sees it.")


class PurchaseForm(Form):
    provider_reference = StringField("Provider's reference",
                                     validators=[Optional(), Length(max=200)],
                                     description="Order or invoice number from the provider.")
    amount = DecimalField("Final price", places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"))],
        description="Leave empty to pay what is held; a lower price gives the rest back.")
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=NOTE_MAX)])


class CompleteForm(Form):
    evidence = TextAreaField("What did you finish? (evidence)",
                             validators=[Optional(), Length(max=NOTE_MAX)],
                             description="A certificate number, a link, what you learned.")


class RefundForm(KeyedForm):
    amount = DecimalField("Amount refunded", places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"))],
        description="Leave empty to refund everything that is left.")
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)])


class PolicyForm(Form):
    manager_approval = BooleanField("The line manager approves every request",
                                    description="Without a manager (or with this off) requests "
                                                "go to an L&D admin when they need approval.")
    admin_threshold = DecimalField("L&D admin approval above", places=2, validators=[
        DataRequired(), NumberRange(min=0)],
        description="Requests priced above this also need an L&D admin, after the manager.")
    auto_approve_max = DecimalField("Auto-approve pathway steps up to", places=2,
                                    validators=[Optional(), NumberRange(min=0)],
                                    description="A step of a pathway the employee is enrolled "
                                                "in is approved at once up to this price; "
                                                "0 switches auto-approval off.")
    purchase_mode = SelectField("Purchase", choices=as_choices([
        ("auto", "Automatically when the last approval is given"),
        ("manual", "When an admin marks it purchased with the provider's reference")]))


class InboxFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField("Status", validate_choice=False)
    team = SelectField("Team", validate_choice=False)
    requester = SelectField("Requester", validate_choice=False)


class OverviewFilterForm(Form):
    """The filters of the executives' list of all requests (a GET form)."""

    class Meta:
        csrf = False

    status = SelectField("Status", validate_choice=False)
    team = SelectField("Team (and sub-teams)", validate_choice=False)
    start = DateField("Requested from", validators=[Optional()])
    end = DateField("Requested until", validators=[Optional()])

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("Choose an end date on or after the start date.")
