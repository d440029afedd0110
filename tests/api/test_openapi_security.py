"""The OpenAPI document declares the admin token as an HTTP Bearer scheme (Swagger's "Authorize")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_bearer_scheme_is_declared(schema):
    assert schema["components"]["securitySchemes"] == {"AdminToken": {
        "type": "http", "scheme": "bearer", "description": "ADMIN_API_TOKEN, sent as `Authorization: Bearer <token>`."}}


def test_admin_endpoints_require_it_and_others_take_it_optionally(schema):
    security = {name: operation.get("security") for name, operation in operations(schema)}
    assert security.pop("POST /api/admin/sync") == [{"AdminToken": []}]
    # The token lifts the booking limits and opens the health details: optional there.
    assert security.pop("POST /api/bookings") == [{}, {"AdminToken": []}]
    assert security.pop("GET /api/health") == [{}, {"AdminToken": []}]
    assert set(security.values()) == {None}, security  # every other operation is public
    declared = set(schema["components"]["securitySchemes"])
    named = {name for _op, operation in operations(schema) for entry in operation.get("security") or []
             for name in entry}
    assert named <= declared


def test_the_scheme_runs_the_one_shared_token_check(settings, api_client, monkeypatch):
    """``AdminToken`` decides through ``is_admin`` (the function every endpoint shares), nothing of its own."""
    from booksync.web import api

    settings.ADMIN_API_TOKEN = "a-long-enough-admin-token"
    settings.OUTBOX_WAKE_WORKER = False
    assert api_client.post("/api/admin/sync?dry_run=true").status_code == 401
    monkeypatch.setattr(api, "is_admin", lambda request: True)
    assert api_client.post("/api/admin/sync?dry_run=true").status_code == 200
    settings.ADMIN_API_TOKEN = ""
    refused = api_client.post("/api/admin/sync?dry_run=true")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
