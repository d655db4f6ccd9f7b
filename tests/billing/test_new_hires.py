"""A person added by an admin (form, API or CSV) gets their pro-rata budget right away."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import User
from app.people import importer
from app.people.service import PersonData, create_person
from billing import budgets
from billing.policies import period_for

from .conftest import assert_ledger_ok


def _available(user: User) -> int:
    budget = budgets.find_budget(user, period_for(user.company, date.today()))
    return 0 if budget is None else budget.available.balance_minor


def test_people_added_by_form_or_import_are_allocated_after_commit(acme, admin, policy):
    policy(120_000)
    grace = create_person(admin, PersonData(email="grace@acme.test", name="Grace",
                                            start_date=date(date.today().year, 1, 1)))
    assert _available(grace) == 0  # nothing moves before the commit
    db.session.commit()
    importer.apply(admin, importer.parse(acme.id, "email,name\nlinus@acme.test,Linus\n"))
    db.session.commit()
    linus = db.session.query(User).filter_by(email="linus@acme.test").one()
    db.session.expire_all()
    assert _available(grace) == 120_000  # a full year: started on 1 January
    assert _available(linus) > 0
    assert_ledger_ok(acme.id)
