"""OpenAPI descriptions for the endpoints that parse their multipart bodies themselves."""

from __future__ import annotations

from typing import Any


def multipart_body(*, files: tuple[str, ...], fields: tuple[str, ...]) -> dict[str, Any]:
    properties: dict[str, Any] = {name: {"type": "string", "format": "binary"} for name in files}
    properties.update({name: {"type": "string"} for name in fields})
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": properties, "required": [*files, *fields]}
                }
            },
        }
    }
