"""A person added by an admin (form, API or CSV) gets their pro-rata budget right away."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import User
from app.people import importer
from app.people.service import PersonData, create_person
from billing import budgets, hires
from billing.policies import period_for

from .conftest import assert_ledger_ok
from .test_bulk import _company, _picture
from .test_views import count_queries


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


def test_new_hires_in_bulk_get_exactly_what_allocating_one_by_one_gives(make_company, make_user,
                                                                        make_team):
    (bulk, bulk_admin, bulk_people), (single, single_admin, single_people) = (
        _company(make_company, make_user, make_team, slug) for slug in ("bulk", "single"))
    today = date.today()
    args = (bulk.id, [p.id for p in bulk_people], bulk_admin.id)
    db.session.commit()  # the task runs in a session of its own, as after an import's commit
    hires.allocate_new_hires.call_local(*args)
    for person in single_people:
        budgets.allocate_person(single_admin, person, period_for(single, today), today)
    db.session.commit()
    db.session.expire_all()
    assert _picture(bulk, bulk_people) == _picture(single, single_people)
    db.session.commit()
    assert hires.allocate_new_hires.call_local(*args) == 0  # a repeat moves nothing
    assert_ledger_ok()


def test_allocating_100_new_hires_costs_the_statements_of_25(acme, admin, make_user, policy):
    policy(120_000)
    first = [make_user(acme).id]  # creates the company's grants account
    few = [make_user(acme).id for _ in range(25)]
    many = [make_user(acme).id for _ in range(100)]
    company_id, admin_id = acme.id, admin.id
    db.session.commit()
    hires.allocate_new_hires.call_local(company_id, first, admin_id)
    with count_queries() as for_25:
        assert hires.allocate_new_hires.call_local(company_id, few, admin_id) == 25
    with count_queries() as for_100:
        assert hires.allocate_new_hires.call_local(company_id, many, admin_id) == 100
    assert len(for_100) == len(for_25)
    assert_ledger_ok(company_id)
