"""The Stripe billing API validates its bodies from the schemas (a 400 naming the field, nothing
written, Stripe not called) and its OpenAPI document describes them (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from billing.stripe import topups

PATHS = {"/api/v1/billing/payment-method": ["post"], "/api/v1/billing/topups": ["post"],
         "/api/v1/billing/topups/{topup_id}": ["get"],
         "/api/v1/billing/topups/{topup_id}/refund": ["post"],
         "/api/v1/billing/subscription": ["get", "post"]}


@pytest.mark.parametrize(("path", "payload", "field", "message"), [
    ("/api/v1/billing/topups", {}, "amount_minor", "'amount_minor' is required."),
    ("/api/v1/billing/topups", {"amount_minor": "100"}, "amount_minor", "must be an integer"),
    ("/api/v1/billing/topups", {"amount_minor": True}, "amount_minor", "must be an integer"),
    ("/api/v1/billing/topups", {"amount_minor": 0}, "amount_minor", "at least 1"),
    ("/api/v1/billing/topups", {"amount_minor": 2**63}, "amount_minor",
     f"at most {topups.MAX_TOPUP_MINOR}"),
    ("/api/v1/billing/payment-method", {"payment_method_id": "pm_" + "x" * 100},
     "payment_method_id", "at most 100 characters"),
    ("/api/v1/billing/payment-method", {"payment_method_id": "pm_\u0000"},
     "payment_method_id", "NUL"),
    ("/api/v1/billing/payment-method", {"payment_method_id": 42}, "payment_method_id",
     "must be a string"),
])
def test_bad_bodies_are_400s_naming_the_field_and_write_nothing(api_as: Any, admin: Any,
                                                               fingerprint: Any, path: str,
                                                               payload: dict[str, Any],
                                                               field: str, message: str) -> None:
    api = api_as(admin)
    before = fingerprint()
    r = api.post(path, json=payload)
    assert r.status_code == 400, r.get_json()
    error = r.get_json()["error"]
    assert (error["code"], error["field"]) == ("validation_error", field)
    assert message in error["message"]
    assert fingerprint() == before


def test_the_document_describes_every_stripe_operation_with_its_schemas(client: Any,
                                                                        acme: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, methods in PATHS.items():
        for method in methods:
            op = spec["paths"][path][method]
            assert "---" not in op["summary"] and op["responses"]["4XX"]
            success = next(v for k, v in op["responses"].items() if k.startswith("2"))
            assert "$ref" in success["content"]["application/json"]["schema"]
    body = spec["components"]["schemas"]["NewTopUp"]["properties"]["amount_minor"]
    assert (body["minimum"], body["maximum"]) == (1, topups.MAX_TOPUP_MINOR)
    topup = spec["components"]["schemas"]["TopUp"]["properties"]
    assert topup["created_at"]["format"] == "date-time"
    assert topup["status"]["enum"] == ["pending", "succeeded", "failed", "refunded"]
    keyed = spec["paths"]["/api/v1/billing/topups"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in keyed)
