"""Forms for policies, adjustments, bank transfers and allocation runs.

Amounts are typed in major units (€12.50) and stored as integer minor units. Money-moving forms
carry a one-time key, so a double-submitted form moves money once.
"""

from __future__ import annotations

from decimal import Decimal

from wtforms import BooleanField, DecimalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import Form, KeyedForm, as_choices, int_or_none


class PolicyForm(Form):
    scope = SelectField("Applies to", choices=as_choices([
        ("default", "Everyone (company default)"), ("team", "A team and its sub-teams"),
        ("role", "A role (job title)")]))
    team_id = SelectField("Team", coerce=int_or_none, validate_choice=False)
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)],
                            description="Matched case-insensitively against people's job title.")
    annual_allowance = DecimalField("Annual allowance", places=2,
                                    validators=[DataRequired(), NumberRange(min=0)])
    accrual = SelectField("Accrual", choices=as_choices([
        ("upfront", "Upfront at the start of the year"), ("monthly", "Monthly, 1/12 each month")]))
    prorate_joiners = BooleanField("Pro-rata for people who join mid-year", default=True)
    rollover_cap = DecimalField("Rollover cap", places=2, default=Decimal(0),
                                validators=[Optional(), NumberRange(min=0)],
                                description="Up to this much unspent budget moves into the next "
                                            "year; the rest expires. 0 means nothing rolls over.")
    team_pools = BooleanField("Team pools", description=(
        "Admins can fund a pool per team and year, and the team's manager grants from it to "
        "their reports. Applies to the teams this policy covers; not to a role policy."))


class AdjustmentForm(KeyedForm):
    direction = SelectField("Change", choices=as_choices([("add", "Top up"), ("deduct", "Deduct")]))
    amount = DecimalField("Amount", places=2, validators=[DataRequired(),
                                                          NumberRange(min=Decimal("0.01"))])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)],
                         description="Kept in the ledger and the audit log.")


class TransferForm(KeyedForm):
    amount = DecimalField("Amount received", places=2,
                          validators=[DataRequired(), NumberRange(min=Decimal("0.01"))])
    bank_reference = StringField("Bank reference", validators=[DataRequired(), Length(max=100)],
                                 description="As shown on the bank statement, e.g. SEPA-2026-0042.")


class PoolFundForm(KeyedForm):
    team_id = SelectField("Team", coerce=int_or_none, validate_choice=False)
    direction = SelectField("Change", choices=as_choices([("add", "Fund"),
                                                       ("deduct", "Take back")]))
    amount = DecimalField("Amount", places=2, validators=[DataRequired(),
                                                          NumberRange(min=Decimal("0.01"))])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)],
                         description="Kept in the ledger and the audit log.")


class PoolGrantForm(KeyedForm):
    employee_id = SelectField("Person", coerce=int_or_none, validate_choice=False)
    amount = DecimalField("Amount", places=2, validators=[DataRequired(),
                                                          NumberRange(min=Decimal("0.01"))])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)],
                         description="Shown on the person's budget history.")


class AllocateForm(KeyedForm):
    period = HiddenField()
