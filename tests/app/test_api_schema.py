"""Declared schemas validate API input (errors name the field) and make the OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import pytest
from flask import Flask
from pydantic import ValidationError as PydanticError

from app.api.plumbing import api_blueprint
from app.api.schema import Id, Page, Paging, Schema, max_chars, operation, required_chars


class NewThing(Schema):
    name: Annotated[str, required_chars(20)]
    amount_minor: int
    kind: Literal["book", "course"] = "book"
    due: date | None = None
    note: Annotated[str, max_chars(10)] | None = None


class Thing(Schema):
    id: int
    name: str
    amount_minor: int


class ThingQuery(Paging):
    kind: Literal["book", "course"] | None = None
    owner_id: Id | None = None
    done: bool = False


@pytest.fixture
def things(app: Flask) -> Flask:
    bp = api_blueprint("things_test", __name__)

    @bp.post("/things")
    @operation(body=NewThing, response=Thing, status=201, idempotent=True)
    def create(body: NewThing) -> Thing:
        """Create a thing.

        It is held at once.
        """
        return Thing(id=1, name=body.name, amount_minor=body.amount_minor)

    @bp.get("/things")
    @operation(query=ThingQuery, response=Page[Thing])
    def index(query: ThingQuery) -> dict[str, Any]:
        """List things."""
        return {"items": [], "page": query.page, "per_page": query.per_page or 20, "total": 0,
                "pages": 0, "echo": [query.kind, query.owner_id, query.done]}

    @bp.get("/things/<int:thing_id>")
    @operation(response=Thing)
    def show(thing_id: int) -> dict[str, Any]:
        """A thing whose view forgets a field its schema promises."""
        return {"id": thing_id, "name": "x"}

    app.register_blueprint(bp)
    return app


@pytest.fixture
def api(things: Flask, make_company: Any, make_user: Any, api_as: Any) -> Any:
    return api_as(make_user(make_company()))


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"amount_minor": 5}, "name", "'name' is required."),
    ({"name": "A", "amount_minor": "5"}, "amount_minor", "'amount_minor' must be an integer."),
    ({"name": "A", "amount_minor": True}, "amount_minor", "'amount_minor' must be an integer."),
    ({"name": "A" * 21, "amount_minor": 5}, "name", "'name' must be at most 20 characters."),
    ({"name": "   ", "amount_minor": 5}, "name", "'name' cannot be empty."),
    ({"name": "A\u0000B", "amount_minor": 5}, "name", "'name' cannot contain NUL characters."),
    ({"name": "A", "amount_minor": 5, "kind": "film"}, "kind", "'kind' must be one of"),
    ({"name": "A", "amount_minor": 5, "due": "31/01/2026"}, "due",
     "'due' must be a date like 2026-01-31."),
])
def test_bad_bodies_are_400s_that_name_the_field(api: Any, payload: dict[str, Any], field: str,
                                                 message: str) -> None:
    response = api.post("/api/v1/things", json=payload)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert error["message"].startswith(message)


@pytest.mark.parametrize("raw", [b"[1, 2]", b"{not json", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_refused(api: Any, raw: bytes) -> None:
    response = api.post("/api/v1/things", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_a_good_body_reaches_the_view_typed(api: Any) -> None:
    response = api.post("/api/v1/things", json={"name": " Ada ", "amount_minor": 5,
                                                "due": "2026-01-31", "extra": "ignored"})
    assert response.status_code == 201
    assert response.get_json() == {"id": 1, "name": "Ada", "amount_minor": 5}


def test_query_parameters_are_converted_and_bounded(api: Any) -> None:
    ok = api.get("/api/v1/things?page=2&kind=course&owner_id=7&done=true").get_json()
    assert (ok["page"], ok["echo"]) == (2, ["course", 7, True])
    too_big = api.get("/api/v1/things?per_page=201")
    assert too_big.status_code == 400 and too_big.get_json()["error"]["field"] == "per_page"
    assert api.get("/api/v1/things?owner_id=2147483648").status_code == 400
    assert api.get("/api/v1/things?page=0").status_code == 400


def test_a_response_that_breaks_its_schema_fails_under_test(api: Any) -> None:
    with pytest.raises(PydanticError, match="amount_minor"):
        api.get("/api/v1/things/3")


def test_the_document_comes_from_the_declarations(things: Flask, client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    post = spec["paths"]["/api/v1/things"]["post"]
    assert post["summary"] == "Create a thing."
    assert post["operationId"] == "things_test.create"
    header = next(p for p in post["parameters"] if p["name"] == "Idempotency-Key")
    assert header["schema"]["maxLength"] == 255
    body_ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    assert body["required"] == ["name", "amount_minor"]
    assert body["properties"]["name"]["maxLength"] == 20
    assert "201" in post["responses"] and "4XX" in post["responses"]
    params = {p["name"]: p for p in spec["paths"]["/api/v1/things"]["get"]["parameters"]}
    assert params["per_page"]["schema"]["anyOf"][0]["maximum"] == 200
    path = spec["paths"]["/api/v1/things/{thing_id}"]["get"]["parameters"][0]
    assert path == {"in": "path", "name": "thing_id", "required": True,
                    "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}}
    assert "Error" in spec["components"]["schemas"]


def test_whole_number_floats_count_as_integers_and_blank_text_is_named() -> None:
    """JSON Schema's `integer` includes 2056.0; a name of only spaces is refused as blank."""

    from app.api.schema import Schema, _integral_floats_as_ints, refusal

    class Body(Schema):
        team_id: Id
        name: Annotated[str, required_chars(20)]

    parsed = Body.model_validate_json(_integral_floats_as_ints(b'{"team_id": 7.0, "name": " x "}'),
                                      strict=True)
    assert (parsed.team_id, parsed.name) == (7, "x")
    with pytest.raises(PydanticError) as blank:
        Body.model_validate_json(b'{"team_id": 7, "name": "\\u3000 "}', strict=True)
    assert refusal(blank.value).message in ("'name' cannot be empty.", "'name' cannot be blank.")
    with pytest.raises(PydanticError) as half:
        Body.model_validate_json(_integral_floats_as_ints(b'{"team_id": 7.5, "name": "x"}'),
                                 strict=True)
    assert refusal(half.value).field == "team_id"


def test_every_api_route_is_declared_so_the_document_is_complete(app: Flask) -> None:
    """The document is built from `@operation`: a route without one would be missing from it."""
    from app.api.schema import OPERATION_ATTR

    undeclared = sorted(rule.rule for rule in app.url_map.iter_rules()
                        if rule.rule.startswith("/api/v1/") and not rule.endpoint.endswith("openapi")
                        and getattr(app.view_functions[rule.endpoint], OPERATION_ATTR, None) is None)
    assert undeclared == []
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert len(document["paths"]) >= 50
