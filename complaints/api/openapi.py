"""The OpenAPI 3.1 description of the JSON API, built from the same pydantic models
that validate requests, so the document cannot drift from the code."""

from __future__ import annotations

from functools import lru_cache

from pydantic.json_schema import models_json_schema

from complaints.schemas import ComplaintReceipt, ComplaintSubmission

_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "detail_th", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "English message"},
        "detail_th": {"type": "string", "description": "Thai message"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message_th": {"type": "string"},
                    "message_en": {"type": "string"},
                },
            },
        },
    },
}

_LABEL = {"type": "object", "properties": {"th": {"type": "string"}, "en": {"type": "string"}}}

_PUBLIC_COMPLAINT = {
    "type": "object",
    "required": [
        "tracking_number",
        "status",
        "kind",
        "category",
        "received_at",
        "acknowledged_at",
        "due_at",
        "timeline",
    ],
    "properties": {
        "tracking_number": {"type": "string", "examples": ["RR-2569-7K3M-Q2XD"]},
        "status": {"type": "string"},
        "status_label": _LABEL,
        "kind": {"type": "string", "enum": ["complaint", "suggestion", "compliment", "tip_off"]},
        "kind_label": _LABEL,
        "category": {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "name_th": {"type": "string"},
                        "name_en": {"type": "string"},
                    },
                },
                {"type": "null"},
            ]
        },
        "received_at": {"type": "string", "format": "date-time"},
        "acknowledged_at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "due_at": {"type": "string", "format": "date-time"},
        "timeline": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "kind": {"type": "string"},
                    "label": _LABEL,
                },
            },
        },
    },
}


def _problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    _, schemas = models_json_schema(
        [(ComplaintSubmission, "validation"), (ComplaintReceipt, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    components = dict(schemas["$defs"])
    components["Problem"] = _PROBLEM
    components["PublicComplaint"] = _PUBLIC_COMPLAINT
    tracking_param = {
        "name": "tracking_number",
        "in": "path",
        "required": True,
        "description": "Any case, with or without hyphens",
        "schema": {"type": "string", "maxLength": 64},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rongrian (ร้องเรียน) API",
            "version": "1.0.0",
            "description": "Complaint intake and public tracking for Thai public agencies. "
            "Errors are application/problem+json with Thai (detail_th) and English (detail).",
        },
        "paths": {
            "/api/v1/complaints": {
                "post": {
                    "operationId": "createComplaint",
                    "summary": "Submit a complaint / แจ้งเรื่องร้องเรียน",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "A retried request with the same key and body creates one complaint "
                            "and gets the same answer.",
                            "schema": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 255,
                                "pattern": "^[\\x21-\\x7e]+$",
                            },
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ComplaintSubmission"}}
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Received",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/ComplaintReceipt"}}
                            },
                        },
                        "400": _problem_response("Malformed JSON or header"),
                        "413": _problem_response("Body too large"),
                        "415": _problem_response("Not JSON"),
                        "422": _problem_response("Invalid fields, listed in errors"),
                        "429": _problem_response("Too many requests"),
                    },
                }
            },
            "/api/v1/complaints/{tracking_number}": {
                "get": {
                    "operationId": "getComplaint",
                    "summary": "Public status and timeline / สถานะและความคืบหน้า",
                    "parameters": [tracking_param],
                    "responses": {
                        "200": {
                            "description": "Public view, no personal data",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/PublicComplaint"}}
                            },
                        },
                        "400": _problem_response("Malformed tracking number"),
                        "404": _problem_response("Unknown tracking number"),
                        "429": _problem_response("Too many lookups"),
                    },
                }
            },
        },
        "components": {"schemas": components},
    }
