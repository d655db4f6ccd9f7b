"""One unit of work per request: a success commits once, anything else saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask, redirect
from flask_wtf import FlaskForm
from wtforms import StringField

from app import uow
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.models import Team
from app.tasks import after_commit


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    note = StringField()


@pytest.fixture
def routes(app: Flask, make_company: Any) -> dict[str, Any]:
    """A few test routes that write a team and then end the request in different ways."""
    company = make_company()
    bp = Blueprint("uow_test", __name__)
    effects: list[str] = []

    def add(name: str) -> None:
        db.session.add(Team(company_id=company.id, name=name))
        db.session.flush()
        after_commit(db.session, lambda: effects.append(name))

    @bp.post("/t/redirect/<name>")
    def saved(name: str) -> Any:
        add(name)
        return redirect("/home")

    @bp.post("/t/status/<name>/<int:code>")
    def with_status(name: str, code: int) -> Any:
        add(name)
        return "answer", code

    @bp.post("/t/raise/<name>")
    def crash(name: str) -> Any:
        add(name)
        raise RuntimeError("boom")

    @bp.post("/t/refused/<name>")
    def refused(name: str) -> Any:
        form = NameForm()
        with uow.refusal(form, default="note") as attempt:
            add(name)
            raise ValidationError("That name is taken.", "name")
        assert not attempt.ok
        return f"errors={form.name.errors}"

    @bp.post("/t/uncaught/<name>")
    def uncaught(name: str) -> Any:
        add(name)
        raise DomainError("Not now.")

    @bp.post("/t/checkpoint/<name>")
    def checkpointed(name: str) -> Any:
        add(name)
        uow.checkpoint("the row must exist before the outside call")
        add(name + "-after")
        return "outside service refused", 502

    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return {"company": company, "effects": effects}


def _names() -> set[str]:
    db.session.expire_all()
    return {t.name for t in db.session.scalars(db.select(Team))}


def test_a_successful_response_commits_and_runs_the_side_effects(client: Any, routes: Any) -> None:
    assert client.post("/t/redirect/ada").status_code == 302
    assert "ada" in _names()
    assert routes["effects"] == ["ada"]


@pytest.mark.parametrize("code", [400, 403, 404, 409, 500])
def test_an_error_status_saves_nothing_and_runs_no_side_effect(client: Any, routes: Any,
                                                                code: int) -> None:
    assert client.post(f"/t/status/bob/{code}").status_code == code
    assert "bob" not in _names()
    assert routes["effects"] == []


def test_an_exception_saves_nothing(client: Any, routes: Any) -> None:
    assert client.post("/t/raise/cy").status_code == 500
    assert "cy" not in _names()
    assert routes["effects"] == []


def test_a_refusal_shows_the_error_by_its_field_and_saves_nothing(client: Any,
                                                                  routes: Any) -> None:
    response = client.post("/t/refused/dee", data={"name": "dee"})
    assert response.status_code == 200
    assert "That name is taken." in response.get_data(as_text=True)
    assert "dee" not in _names()
    assert routes["effects"] == []


def test_an_uncaught_domain_error_is_an_error_page_and_saves_nothing(client: Any,
                                                                     routes: Any) -> None:
    response = client.post("/t/uncaught/eve")
    assert response.status_code == 400
    assert "Not now." in response.get_data(as_text=True)
    assert "eve" not in _names()


def test_a_checkpoint_keeps_what_came_before_it_only(client: Any, routes: Any) -> None:
    assert client.post("/t/checkpoint/fay").status_code == 502
    names = _names()
    assert "fay" in names and "fay-after" not in names
    assert routes["effects"] == ["fay"]
