"""Typed API schemas: pydantic models that validate the input and generate the OpenAPI document.

An endpoint declares its bodies once, and both the validation and `/api/v1/openapi.json` come
from that declaration, so the two cannot drift apart::

    class NewThing(Schema):
        name: Annotated[str, required_chars(200)]
        amount_minor: int

    @bp.post("/things")
    @operation(body=NewThing, response=ThingOut, status=201, idempotent=True)
    def create(body: NewThing) -> ThingOut:
        \"\"\"Create a thing (the first docstring line is the operation's summary).\"\"\"
        return ThingOut.of(things.create(current_user, body.name, body.amount_minor))

- `body=` validates the JSON body strictly (a string is not a number, `true` is not `1`); the
  view receives the model as `body`. `query=` validates `request.args` (strings are converted);
  the view receives it as `query`. Path parameters come from the URL rule's converters.
- A refused input is a 400 `validation_error` naming the field: `{"error": {"code":
  "validation_error", "message": "'amount_minor' must be an integer.", "field": "amount_minor"}}`.
- The view returns a model (serialised with `model_dump(mode="json")`), a dict or list (checked
  against `response` when `API_VALIDATE_RESPONSES` is set, as the tests do), or a Response; a
  `(value, status)` tuple sets another status.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any, Generic, TypeVar

from flask import current_app, jsonify, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticError
from werkzeug.wrappers import Response

from ..converters import ID_MAX
from ..errors import ValidationError

# Bounds shared by every schema (ids: app.converters.ID_MAX; money in docs/operations.md).
PAGE_MAX = 1_000_000
PER_PAGE_MAX = 200
NO_NUL = r"^[^\x00]*$"
# What `str.strip` and pydantic's trim remove, spelled out so Python's and Rust's regex engines (the
# test generator's and the validator's) agree on it; a required text needs one character besides.
_SPACE = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"

T = TypeVar("T")

Id = Annotated[int, Field(ge=1, le=ID_MAX)]


def max_chars(max_length: int) -> StringConstraints:
    """`Annotated[str, max_chars(200)]`: at most 200 characters (the column's size), no NUL bytes."""
    return StringConstraints(max_length=max_length, pattern=NO_NUL)


def required_chars(max_length: int) -> StringConstraints:
    """`Annotated[str, required_chars(200)]`: like `text`, but stripped and never blank."""
    return StringConstraints(min_length=1, max_length=max_length, pattern=NOT_BLANK,
                             strip_whitespace=True)


class Schema(BaseModel):
    """Base of every API schema: fields not declared are ignored, as they always were."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class Paging(Schema):
    """`?page=&per_page=` of every list endpoint."""

    page: int = Field(1, ge=1, le=PAGE_MAX)
    per_page: int | None = Field(None, ge=1, le=PER_PAGE_MAX,
                                 description="default: the site's page size")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and where they sit in the whole."""

    items: list[T]
    page: int
    per_page: int
    total: int
    pages: int


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class Error(BaseModel):
    """Every refusal: a 4xx status and this body."""

    error: ErrorBody


@dataclass(frozen=True)
class Operation:
    """What an endpoint declared; `build_spec` reads it back."""

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    responses: Mapping[int, tuple[str, Any]] = field(default_factory=dict)
    idempotent: bool = False
    auth: bool = True
    content_type: str | None = None  # a non-JSON success body, e.g. "application/pdf"
    multipart: Mapping[str, str] = field(default_factory=dict)  # form field -> description
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: Sequence[str] = ()


OPERATION_ATTR = "__trellis_operation__"


def operation(*, body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
              response: Any = None, status: int = 200,
              responses: Mapping[int, tuple[str, Any]] | None = None, idempotent: bool = False,
              auth: bool = True, content_type: str | None = None,
              multipart: Mapping[str, str] | None = None,
              links: Mapping[str, Mapping[str, Any]] | None = None,
              tags: Sequence[str] = ()) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare an endpoint's input and output; validate the input and serialise the output."""
    op = Operation(body, query, response, status, dict(responses or {}), idempotent, auth,
                   content_type, dict(multipart or {}), dict(links or {}), tuple(tags))

    def decorate(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            if op.body is not None:
                kwargs["body"] = parse_body(op.body)
            if op.query is not None:
                kwargs["query"] = parse_query(op.query)
            return to_response(view(**kwargs), op)

        setattr(wrapper, OPERATION_ATTR, op)
        return wrapper

    return decorate


# --- input ----------------------------------------------------------------------------------

def parse_body(model: type[BaseModel]) -> Any:
    """The JSON body as `model`, strictly typed; an empty body counts as `{}`."""
    raw = request.get_data(cache=True)
    if raw.strip() and not request.is_json:
        raise ValidationError("Send a JSON object with Content-Type: application/json.")
    try:
        return model.model_validate_json(_integral_floats_as_ints(raw), strict=True)
    except PydanticError as exc:
        raise refusal(exc) from None


def _whole(text: str) -> int | float:
    """A JSON number literal: an int when it is a whole number (JSON Schema's `integer` includes
    2056.0), else a float."""
    number = Decimal(text)
    if not number.is_finite() or abs(number) >= 10**30:
        raise ValueError("out of range: left for the schema to refuse")
    return int(number) if number == number.to_integral_value() else float(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _integral_floats_as_ints(raw: bytes) -> bytes:
    """The body with whole-number floats written as ints, so strict integer fields take `1.0`.

    Bodies that are not JSON at all go through unchanged for pydantic to refuse with its message.
    """
    if not raw.strip():
        return b"{}"
    try:
        data = json.loads(raw, parse_float=_whole, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return raw
    return json.dumps(data).encode()


def parse_query(model: type[BaseModel]) -> Any:
    """`request.args` as `model`; list fields take every value of a repeated parameter."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in request.args:
            continue
        values = request.args.getlist(key)
        data[key] = values if _is_list(info.annotation) else values[-1]
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise refusal(exc) from None


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) in (list, tuple, set)


_MESSAGES: dict[str, str] = {
    "missing": "'{f}' is required.",
    "int_type": "'{f}' must be an integer.",
    "int_parsing": "'{f}' must be an integer.",
    "int_from_float": "'{f}' must be a whole number.",
    "float_type": "'{f}' must be a number.",
    "string_type": "'{f}' must be a string.",
    "bool_type": "'{f}' must be true or false.",
    "bool_parsing": "'{f}' must be true or false.",
    "list_type": "'{f}' must be a list.",
    "dict_type": "'{f}' must be an object.",
    "model_type": "'{f}' must be an object.",
    "model_attributes_type": "'{f}' must be an object.",
    "date_type": "'{f}' must be a date like 2026-01-31.",
    "date_parsing": "'{f}' must be a date like 2026-01-31.",
    "date_from_datetime_parsing": "'{f}' must be a date like 2026-01-31.",
    "date_from_datetime_inexact": "'{f}' must be a date like 2026-01-31.",
    "datetime_type": "'{f}' must be a date and time like 2026-01-31T09:00:00+00:00.",
    "datetime_parsing": "'{f}' must be a date and time like 2026-01-31T09:00:00+00:00.",
    "datetime_from_date_parsing": "'{f}' must be a date and time like 2026-01-31T09:00:00+00:00.",
    "timezone_aware": "'{f}' needs a time zone offset, like 2026-01-31T09:00:00+00:00.",
    "less_than_equal": "'{f}' must be at most {le}.",
    "greater_than_equal": "'{f}' must be at least {ge}.",
    "less_than": "'{f}' must be less than {lt}.",
    "greater_than": "'{f}' must be more than {gt}.",
    "string_too_long": "'{f}' must be at most {max_length} characters.",
    "string_too_short": "'{f}' cannot be empty.",
    "too_long": "'{f}' can have at most {max_length} items.",
    "too_short": "'{f}' needs at least {min_length} items.",
    "literal_error": "'{f}' must be one of {expected}.",
    "enum": "'{f}' must be one of {expected}.",
    "url_parsing": "'{f}' must be a web address like https://example.com/.",
    "url_scheme": "'{f}' must be an http or https address.",
    "value_error": "'{f}': {reason}",
    "json_invalid": "Send a JSON object with Content-Type: application/json.",
    "extra_forbidden": "Unknown field '{f}'.",
}


def refusal(exc: PydanticError) -> ValidationError:
    """The first problem pydantic found, as the API's error naming the field."""
    err = exc.errors(include_url=False)[0]
    # A list item's error names the list: `access_roles`, not `access_roles.0`.
    loc = [str(part) for part in err.get("loc", ()) if not isinstance(part, int)]
    name = ".".join(loc)
    item = len(loc) < len(err.get("loc", ()))
    ctx = dict(err.get("ctx") or {})
    kind = err.get("type", "")
    if not name and kind in ("model_type", "model_attributes_type", "dict_type"):
        return ValidationError("Send a JSON object with Content-Type: application/json.")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NO_NUL:
        return ValidationError(f"'{name}' cannot contain NUL characters.", name or None)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NOT_BLANK:
        if "\x00" in str(err.get("input", "")):
            return ValidationError(f"'{name}' cannot contain NUL characters.", name or None)
        return ValidationError(f"'{name}' cannot be blank.", name or None)
    if kind == "value_error":
        ctx["reason"] = str(ctx.get("error", err.get("msg", "")))
    template = _MESSAGES.get(kind)
    if item and template and template.startswith("'{f}' must"):
        template = template.replace("'{f}' must", "each of '{f}' must", 1)
    try:
        message = template.format(f=name, **ctx) if template else f"'{name}': {err['msg']}."
    except (KeyError, IndexError):
        message = f"'{name}': {err['msg']}."
    return ValidationError(message, name or None)


# --- output ---------------------------------------------------------------------------------

def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def to_response(result: Any, op: Operation) -> Response:
    """The view's return value as a Response with the declared status."""
    status, headers = op.status, None
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else None
    if isinstance(result, Response):
        response = result
    elif result is None and status == 204:
        response = Response(status=204)
    else:
        data = _dump(result)
        if op.response is not None and current_app.config.get("API_VALIDATE_RESPONSES"):
            # Tests set this: a view that answers what its schema does not describe fails loudly.
            TypeAdapter(op.response).validate_python(data)
        response = jsonify(data)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def _email(value: str) -> str:
    from ..validators import email_problem

    if problem := email_problem(value):
        raise ValueError(f"not a valid e-mail address: {problem}")
    return value


# An e-mail address (at most 254 characters, the column's size); the document says `format: email`.
Email = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=NOT_BLANK,
                                         strip_whitespace=True),
                  Field(json_schema_extra={"format": "email"}), AfterValidator(_email)]
