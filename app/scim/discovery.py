"""The discovery documents (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas.

`schemas.json` holds the schemas as Trellis serves them: the RFC 7643 core and Enterprise User and
Group schemas cut down to the attributes Trellis keeps (a provider fills only what is published),
and the three schemas that describe the discovery documents themselves."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .resources import ENTERPRISE, GROUP, USER, base_url

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 200


@cache
def _schemas() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(Path(__file__).with_name("schemas.json").read_text()))


def schemas() -> list[dict[str, Any]]:
    out = []
    for schema in _schemas():
        item = json.loads(json.dumps(schema))
        item["meta"] = {"resourceType": "Schema", "location": f"{base_url()}/Schemas/{schema['id']}"}
        out.append(item)
    return out


def schema(schema_id: str) -> dict[str, Any] | None:
    return next((s for s in schemas() if s["id"].lower() == schema_id.lower()), None)


def resource_types() -> list[dict[str, Any]]:
    base = base_url()
    return [
        {"schemas": [RESOURCE_TYPE], "id": "User", "name": "User", "endpoint": "/Users",
         "description": "A person of the company", "schema": USER,
         "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
         "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"}},
        {"schemas": [RESOURCE_TYPE], "id": "Group", "name": "Group", "endpoint": "/Groups",
         "description": "A team of the company", "schema": GROUP,
         "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"}},
    ]


def service_provider_config() -> dict[str, Any]:
    return {
        "schemas": [SPC],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "SCIM bearer token", "primary": True,
            "description": "A company's SCIM token, created by an admin on the SCIM provisioning page.",
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url()}/ServiceProviderConfig"},
    }
