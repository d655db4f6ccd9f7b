"""Forms for policies, adjustments, bank transfers and allocation runs.

Amounts are typed in major units (€12.50) and stored as integer minor units. Money-moving forms
carry a one-time key, so a double-submitted form moves money once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from babel.numbers import get_currency_precision
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .errors import BudgetError


def to_minor(amount: Decimal | None, currency: str, field: str) -> int:
    """Exact conversion of a typed amount to minor units (refuses fractions of a cent)."""
    digits = get_currency_precision(currency)
    scaled = (amount or Decimal(0)) * (10 ** digits)
    if scaled != scaled.to_integral_value():
        raise BudgetError(f"Use at most {digits} decimal places for {currency}.", field)
    return int(scaled)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor) / (10 ** get_currency_precision(currency))


def choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[arg-type]


class KeyedForm(FlaskForm):
    """A form whose submission moves money once: the key is minted when the form is shown."""

    key = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = uuid.uuid4().hex


class PolicyForm(FlaskForm):
    scope = SelectField("Applies to", choices=choices([
        ("default", "Everyone (company default)"), ("team", "A team and its sub-teams"),
        ("role", "A role (job title)")]))
    team_id = SelectField("Team", coerce=_int_or_none, validate_choice=False)
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)],
                            description="Matched case-insensitively against people's job title.")
    annual_allowance = DecimalField("Annual allowance", places=2,
                                    validators=[DataRequired(), NumberRange(min=0)])
    accrual = SelectField("Accrual", choices=choices([
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
    direction = SelectField("Change", choices=choices([("add", "Top up"), ("deduct", "Deduct")]))
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
    team_id = SelectField("Team", coerce=_int_or_none, validate_choice=False)
    direction = SelectField("Change", choices=choices([("add", "Fund"),
                                                       ("deduct", "Take back")]))
    amount = DecimalField("Amount", places=2, validators=[DataRequired(),
                                                          NumberRange(min=Decimal("0.01"))])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)],
                         description="Kept in the ledger and the audit log.")


class PoolGrantForm(KeyedForm):
    employee_id = SelectField("Person", coerce=_int_or_none, validate_choice=False)
    amount = DecimalField("Amount", places=2, validators=[DataRequired(),
                                                          NumberRange(min=Decimal("0.01"))])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)],
                         description="Shown on the person's budget history.")


class AllocateForm(KeyedForm):
    period = HiddenField()
