"""Random sequences of learning-request transitions against an in-memory model.

Ada (reports to Max) and Max (reports to Harriet, an admin) request courses; anyone of the three
may try any transition on any request. The model predicts each outcome (done, a repeat that
changes nothing, or the domain error) and every budget's available/held/spent, the wallet and
each request's status; after every step the database must agree. A refused transition must
leave the database exactly as it was. Every run ends with `ledger verify`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import count

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.errors import DomainError, PermissionDenied
from app.extensions import db
from app.models import AuditEntry, Company, User
from billing import budgets, wallet
from billing.errors import BudgetError, InsufficientBudget, InsufficientFunds
from billing.policies import period_for
from billing.queries import person_balances
from billing.wallet import wallet_balances
from pathways.catalogue.models import Offering
from pathways.requests import approval, submit, transitions
from pathways.requests.errors import RequestStateError
from pathways.requests.models import LearningRequest, RequestEvent

from .conftest import assert_ledger_ok
from .machine import Req, fingerprint

PRICES = (5_000, 30_000, 70_000)  # the last is above the admin threshold: manager, then admin
THRESHOLD = 50_000
ADMIN, MANAGER, EMPLOYEE = 0, 1, 2  # Harriet, Max, Ada
REQUESTERS = (MANAGER, EMPLOYEE)
MANAGER_OF = {EMPLOYEE: MANAGER, MANAGER: ADMIN}
OK, SAME = "ok", "same"  # done; a repeat that changes nothing
_companies = count(1)


class RequestMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        n = next(_companies)
        self.company = Company(name=f"Model {n}", slug=f"rmodel-{n}", currency="EUR")
        db.session.add(self.company)
        db.session.flush()
        self.people: list[User] = []
        for i, (name, roles) in enumerate((("Harriet", ["admin", "employee"]),
                                           ("Max", ["manager", "employee"]),
                                           ("Ada", ["employee"]))):
            person = User(company_id=self.company.id, email=f"{name.lower()}@rmodel-{n}.test",
                          name=name, manager_id=self.people[MANAGER_OF[i]].id
                          if i in MANAGER_OF else None)
            person.set_roles(roles)
            db.session.add(person)
            db.session.flush()
            self.people.append(person)
        self.offerings = [Offering(company_id=self.company.id, type="course", title=f"C{p}",
                                   price_minor=p, currency="EUR", search_text="c")
                          for p in PRICES]
        db.session.add_all(self.offerings)
        self.period = period_for(self.company, date.today())
        self.keys = count(1)
        self.avail, self.held, self.spent = [0, 0, 0], [0, 0, 0], [0, 0, 0]
        self.wallet, self.events, self.auto = 0, 0, False
        self.reqs: list[Req] = []
        for who in REQUESTERS:
            self._adjust(who, 100_000)
        db.session.commit()

    @property
    def admin(self) -> User:
        return self.people[ADMIN]

    def key(self) -> str:
        return f"rsm-{next(self.keys)}"

    def _adjust(self, who: int, amount: int) -> None:
        budgets.adjust(self.admin, self.people[who], amount, "model", self.key(), self.period)
        self.avail[who] += amount

    def attempt(self, expected: str | type[DomainError], call: Callable[[], object]) -> bool:
        """Run `call` and check the predicted outcome; True when it changed something."""
        # --hypothesis-show-statistics lists how often each transition met each outcome.
        event(f"{call.__qualname__.split('.')[1]}: "
              f"{expected if isinstance(expected, str) else expected.__name__}")
        if expected in (OK, SAME):  # a repeat is checked by the invariant (events, money)
            call()
            db.session.commit()
            return expected == OK
        before = fingerprint(self.company.id)
        with pytest.raises(DomainError) as refused:
            call()
        db.session.rollback()
        assert type(refused.value) is expected, refused.value.message
        assert fingerprint(self.company.id) == before, "a refused transition changed something"
        return False

    def pick(self, data: st.DataObject, *likely: str) -> tuple[Req, LearningRequest]:
        """Any request; three times in four one in a status where the transition may work."""
        fitting = [r for r in self.reqs if r.status in likely]
        r = data.draw(st.sampled_from(fitting if fitting and data.draw(st.integers(0, 3))
                                      else self.reqs))
        return r, db.session.get(LearningRequest, r.id)

    def actor(self, data: st.DataObject, r: Req) -> int:
        """Anyone; three times in four the person whose turn it is (approver, else admin)."""
        if not data.draw(st.integers(0, 3)):
            return data.draw(st.integers(0, 2))
        if r.status == "pending" and r.stages[r.done] == "manager":
            return MANAGER_OF[r.who]
        return ADMIN

    def release(self, r: Req) -> None:
        self.held[r.who] -= r.price
        self.avail[r.who] += r.price

    def capture(self, r: Req, amount: int) -> None:
        self.held[r.who] -= r.price
        self.avail[r.who] += r.price - amount
        self.spent[r.who] += amount
        self.wallet -= amount
        r.captured, r.status = amount, "purchased"

    @initialize(auto=st.booleans(), funds=st.sampled_from((40_000, 1_000_000)))
    def policy_and_wallet(self, auto: bool, funds: int) -> None:
        """Automatic or manual purchase; a wallet that runs dry soon, or a deep one."""
        self.auto, self.wallet = auto, funds
        approval.save_settings(self.admin, approval.PolicyData(THRESHOLD, 0, True,
                                                     "auto" if auto else "manual"))
        wallet.record_bank_transfer(self.admin, self.company, funds, "T", self.key())
        db.session.commit()

    @rule(who=st.sampled_from(REQUESTERS), which=st.integers(0, len(PRICES) - 1))
    def create(self, who: int, which: int) -> None:
        price = PRICES[which]
        ok = price <= self.avail[who]
        made: list[LearningRequest] = []
        self.attempt(OK if ok else InsufficientBudget, lambda: made.append(
            submit.create_for_offering(self.people[who], self.offerings[which], "model")))
        if ok:
            self.avail[who] -= price
            self.held[who] += price
            self.events += 1
            self.reqs.append(Req(made[0].id, who, price,
                                 ["manager"] + (["admin"] if price > THRESHOLD else [])))

    def _may_decide(self, actor: int, r: Req) -> bool:
        stage = r.stages[r.done]
        return actor != r.who and (actor == ADMIN or (stage == "manager"
                                                      and MANAGER_OF[r.who] == actor))

    @precondition(lambda self: bool(self.reqs))
    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        r, req = self.pick(data, "pending")
        actor = self.actor(data, r)
        expected: str | type[DomainError] = (
            SAME if r.status in ("approved", "purchased", "completed")
            else RequestStateError if r.status != "pending"
            else OK if self._may_decide(actor, r) else PermissionDenied)
        if not self.attempt(expected, lambda: transitions.approve(self.people[actor], req, "ok")):
            return
        r.done = len(r.stages) if actor == ADMIN else r.done + 1
        self.events += 1
        if r.done < len(r.stages):
            return
        r.status = "approved"
        if self.auto:  # the final approval captures at once, or waits for the wallet
            self.events += 1
            if r.price <= self.wallet:
                self.capture(r, r.price)

    @precondition(lambda self: bool(self.reqs))
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        r, req = self.pick(data, "pending")
        actor = self.actor(data, r)
        expected: str | type[DomainError] = (
            SAME if r.status == "rejected" else RequestStateError if r.status != "pending"
            else OK if self._may_decide(actor, r) else PermissionDenied)
        if self.attempt(expected, lambda: transitions.reject(self.people[actor], req, "no")):
            self.release(r)
            r.status = "rejected"
            self.events += 1

    @precondition(lambda self: bool(self.reqs))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        r, req = self.pick(data, "pending", "approved")
        actor = self.actor(data, r)
        expected: str | type[DomainError] = (
            SAME if r.status == "cancelled"
            else PermissionDenied if actor not in (r.who, ADMIN)
            else OK if r.status in ("pending", "approved") else RequestStateError)
        if self.attempt(expected, lambda: transitions.cancel(self.people[actor], req, "withdrawn")):
            self.release(r)
            r.status = "cancelled"
            self.events += 1

    @precondition(lambda self: bool(self.reqs))
    @rule(data=st.data(), amount=st.none() | st.integers(1, max(PRICES) + 10_000))
    def purchase(self, data: st.DataObject, amount: int | None) -> None:
        r, req = self.pick(data, "approved")
        actor = self.actor(data, r)
        final = r.price if amount is None else amount
        expected: str | type[DomainError] = (
            SAME if r.status in ("purchased", "completed")
            else PermissionDenied if actor != ADMIN
            else RequestStateError if r.status != "approved"
            else BudgetError if final > r.price
            else InsufficientFunds if final > self.wallet else OK)
        if self.attempt(expected, lambda: transitions.purchase(self.people[actor], req, "INV-1",
                                                       amount)):
            self.capture(r, final)
            self.events += 1

    @precondition(lambda self: bool(self.reqs))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        r, req = self.pick(data, "purchased")
        actor = self.actor(data, r)
        expected: str | type[DomainError] = (
            SAME if r.status == "completed"
            else PermissionDenied if actor not in (r.who, ADMIN)
            else OK if r.status == "purchased" else RequestStateError)
        if self.attempt(expected, lambda: transitions.complete(self.people[actor], req, "certificate")):
            r.status = "completed"
            self.events += 1

    @precondition(lambda self: bool(self.reqs))
    @rule(data=st.data(), amount=st.none() | st.integers(1, 40_000), retry=st.booleans())
    def refund(self, data: st.DataObject, amount: int | None, retry: bool) -> None:
        r, req = self.pick(data, "purchased", "completed")
        actor = self.actor(data, r)
        left = r.captured - r.refunded
        if retry and r.keys:  # the same Idempotency-Key again: nothing more is refunded
            expected: str | type[DomainError] = (
                PermissionDenied if actor != ADMIN
                else RequestStateError if amount is None and left == 0 else SAME)
            key = r.keys[-1]
        else:
            expected = (PermissionDenied if actor != ADMIN
                        else RequestStateError if r.status not in ("purchased", "completed",
                                                                   "refunded")
                        else RequestStateError if amount is None and left == 0
                        else BudgetError if (amount or 0) > left else OK)
            key = self.key()
        if self.attempt(expected, lambda: transitions.refund(self.people[actor], req, amount, key,
                                                     "returned")):
            paid = left if amount is None else amount
            r.refunded += paid
            r.keys.append(key)
            self.spent[r.who] -= paid
            self.avail[r.who] += paid
            self.wallet += paid
            self.events += 1
            if r.refunded == r.captured:
                r.status = "refunded"

    @precondition(lambda self: bool(self.reqs))  # budgets change while requests are open
    @rule(who=st.sampled_from(REQUESTERS), amount=st.integers(-60_000, 60_000).filter(bool))
    def adjust_budget(self, who: int, amount: int) -> None:
        ok = self.avail[who] + amount >= 0
        self.attempt(OK if ok else InsufficientBudget, lambda: budgets.adjust(
            self.admin, self.people[who], amount, "model", self.key(), self.period))
        if ok:
            self.avail[who] += amount

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        for who in REQUESTERS:
            b = person_balances(self.people[who], self.period)
            assert (b.available_minor, b.held_minor, b.spent_minor) == (
                self.avail[who], self.held[who], self.spent[who])
        assert wallet_balances(self.company.id)["wallet_minor"] == self.wallet
        rows = dict(db.session.execute(select(LearningRequest.id, LearningRequest.status).where(
            LearningRequest.company_id == self.company.id)).all())
        assert rows == {r.id: r.status for r in self.reqs}
        events = db.session.scalar(select(func.count(RequestEvent.id)).where(
            RequestEvent.company_id == self.company.id))
        audited = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.company_id == self.company.id,
            AuditEntry.object_type == "learning_request"))
        assert events == audited == self.events  # every transition is audited
        db.session.rollback()

    def teardown(self) -> None:
        assert_ledger_ok(self.company.id)
        db.session.rollback()


def test_random_request_transitions_keep_budgets_statuses_and_ledger_equal_to_the_model(
        app, database_url):
    # PostgreSQL commits cost ~3x SQLite's here: fewer runs keep it near 10 s; the engine
    # specific part (row locks) is proven by the concurrency tests.
    examples = 4 if database_url.startswith("postgresql") else 12
    run_state_machine_as_test(RequestMachine, settings=settings(
        max_examples=examples, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
