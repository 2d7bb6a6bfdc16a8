from __future__ import annotations

import httpx

from tests.conftest import Account


async def test_unknown_route_is_a_404_in_the_spec_shape(api: httpx.AsyncClient, alice: Account) -> None:
    response = await api.get("/api/v1/nothing-here", headers=alice.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "error_code": "NOT_FOUND"}


async def test_wrong_method_keeps_the_error_shape(api: httpx.AsyncClient, alice: Account) -> None:
    response = await api.delete("/api/v1/auth/verify", headers=alice.headers)
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"


async def test_health_probes_the_database(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_openapi_documents_the_multipart_uploads(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    upload = schema["paths"]["/api/v1/sessions/{session_id}/recordings"]["post"]["requestBody"]
    properties = upload["content"]["multipart/form-data"]["schema"]["properties"]
    assert properties == {"audio": {"type": "string", "format": "binary"}, "question": {"type": "string"}}
