"""JSON schemas of the capability API (registered in the OpenAPI document)."""

from __future__ import annotations

from .models import SOURCES

CAPABILITY_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer", "readOnly": True},
    "framework_id": {"type": "integer"}, "framework": {"type": "string", "readOnly": True},
    "category": {"type": "string"}, "name": {"type": "string"},
    "description": {"type": "string", "nullable": True},
    "external_id": {"type": "string", "nullable": True},
    "descriptors": {"type": "object", "additionalProperties": {"type": "string"}},
    "max_level": {"type": "integer", "readOnly": True},
    "retired": {"type": "boolean", "readOnly": True}}}
REQUIREMENT_SCHEMA = {"type": "object", "required": ["capability_id", "level"], "properties": {
    "capability_id": {"type": "integer"}, "level": {"type": "integer", "minimum": 0},
    "weight": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1}}}
ROLE_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer", "readOnly": True}, "title": {"type": "string"},
    "family": {"type": "string", "nullable": True},
    "seniority": {"type": "integer", "nullable": True},
    "description": {"type": "string", "nullable": True},
    "requirements": {"type": "array", "items": {"$ref": "#/components/schemas/Requirement"}},
    "career_moves": {"type": "array", "items": {"type": "integer"}, "readOnly": True,
                     "description": "ids of the roles this role leads to"}}}
LEVEL_SCHEMA = {"type": "object", "properties": {
    "capability_id": {"type": "integer"}, "capability": {"type": "string"},
    "level": {"type": "integer"}, "explanation": {"type": "string"},
    "decided_by": {"type": "object", "nullable": True, "properties": {
        "assessment_id": {"type": "integer"}, "source": {"type": "string", "enum": list(SOURCES)},
        "author_id": {"type": "integer", "nullable": True},
        "assessed_on": {"type": "string", "format": "date"}}}}}
GAP_SCHEMA = {"type": "object", "properties": {
    "capability_id": {"type": "integer"}, "capability": {"type": "string"},
    "category": {"type": "string"}, "target": {"type": "integer"}, "level": {"type": "integer"},
    "gap": {"type": "integer"}, "weight": {"type": "integer"}}}
