"""Hostile input: schemathesis drives every operation of /api/openapi.json on the real product.

The product runs under gunicorn (``running_server``) against the test
database, with the admin API and the Notion automation secret switched on, so
the authorised paths are fuzzed too. Each operation gets a bounded number of
valid (positive) and invalid (negative) examples; the run must see no 5xx and
only statuses, content types and bodies the spec declares.

The operations are walked by hand (``get_all_operations`` + ``as_strategy``)
rather than with ``schema.parametrize()`` on a fixture, because schemathesis'
lazy pytest loader does not run under pytest 9. Requests go through httpx, not
``case.call``: caldav's niquests installs urllib3-future over urllib3, and
schemathesis' requests transport trips over its pool manager.
"""

from __future__ import annotations

import contextlib
import itertools
import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import london
from tests.liveserver import NO_BOOKING_LIMITS, running_server

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN_TOKEN = "schemathesis-admin-token"
NOTION_SECRET = "schemathesis-notion-secret"
EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Every operation the API must expose, webhooks and admin included: a route dropped from the
# schema would silently escape the fuzzing.
EXPECTED_OPERATIONS = {
    "GET /api/calendar/availability", "POST /api/calendar/availability-batch", "GET /api/services",
    "GET /api/ping", "GET /api/health", "POST /api/bookings", "GET /api/bookings/manage/{token}",
    "GET /api/resources",
    "POST /api/bookings/manage/{token}/reschedule", "POST /api/bookings/manage/{token}/cancel",
    "POST /api/admin/sync", "POST /api/webhooks/notion", "POST /api/webhooks/google",
    "POST /api/webhooks/stripe",
}


@pytest.fixture
def product(studio, monday):
    """The running product holding one real booking, so manage operations can reach a record."""
    from django.core.management import call_command

    from booksync.bookings import services
    from booksync.bookings.models import Service
    from booksync.bookings.tokens import token_for

    call_command("createcachetable", verbosity=0)
    booking = services.book(services.BookingRequest(
        start=london(monday, 10), name="Ann", email="ann@example.com",
        service=Service.objects.get(slug="portrait"))).booking
    # The fuzz must reach the code behind the abuse limits (they have their own tests, tests/security).
    with running_server(workers=2, ADMIN_API_TOKEN=ADMIN_TOKEN, NOTION_WEBHOOK_SECRET=NOTION_SECRET,
                        WEBHOOK_FAILURE_RATE="1000000/m", **NO_BOOKING_LIMITS) as url:
        yield url, token_for(booking)
    from django.core.cache import caches

    caches["ratelimit"].clear()  # the rate-limit counters live in a cache table, which a flush keeps


def _fuzz(operation, mode: GenerationMode, client: httpx.Client, real_token: str) -> None:
    # Every other manage call opens the real booking; every other Notion webhook carries the
    # automation secret, so the authorised path is fuzzed as well as the refusal.
    tokens = itertools.cycle([real_token, None])
    bearers = itertools.cycle([f"Bearer {NOTION_SECRET}", None])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        headers = {}
        if case.path == "/api/admin/sync":
            headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        bearer = next(bearers)
        if case.path == "/api/webhooks/notion" and bearer:
            headers["Authorization"] = bearer
        token = next(tokens)
        if token and case.path_parameters and "token" in case.path_parameters:
            case.path_parameters["token"] = token
        response = client.request(**_httpx_kwargs(case.as_transport_kwargs(base_url=str(client.base_url),
                                                                          headers=headers)))
        case.validate_response(response, checks=CHECKS)

    # Negative mode: an operation without parameters or body has nothing to make invalid.
    with contextlib.suppress(Unsatisfiable):
        run()


def _httpx_kwargs(kwargs: dict) -> dict:
    """schemathesis' requests-style keyword arguments, as httpx takes them."""
    kwargs = {k: v for k, v in kwargs.items() if k not in ("verify", "cert", "allow_redirects", "stream")}
    cookies = kwargs.pop("cookies", None) or {}
    if cookies:  # our API reads none, but send what was generated
        kwargs["headers"] = {**kwargs.get("headers", {}), "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if "data" in kwargs:
        kwargs["content"] = kwargs.pop("data")
    return kwargs


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_operation_answers_with_a_server_error(product, mode):
    url, real_token = product
    schema = schemathesis.openapi.from_url(url + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == EXPECTED_OPERATIONS

    failures = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        for operation in operations:
            try:
                _fuzz(operation, mode, client, real_token)
            except Exception as exc:  # keep going: one report naming every failing operation
                failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    assert not failures, "\n\n".join(f"{label}\n{detail}" for label, detail in failures.items())


# --- what the fuzzer found: each was a 500 before its fix --------------------------------------
def _post(client, url: str, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_availability_for_a_date_at_the_end_of_the_calendar_is_refused(studio, api_client, day):
    one = api_client.get(f"/api/calendar/availability?date={day}&duration=60")
    batch = _post(api_client, "/api/calendar/availability-batch", {"dates": [day], "duration": 60})
    assert (one.status_code, one.json()["field"]) == (422, "date")
    assert (batch.status_code, batch.json()["field"]) == (422, "dates")


@pytest.mark.parametrize("start", ["0001-01-01T01:00:00Z", "9999-12-31T23:00:00-05:00"])
def test_rescheduling_to_a_start_at_the_end_of_the_calendar_is_refused(studio, monday, api_client, start):
    created = _post(api_client, "/api/bookings", {"service": "portrait", "start": london(monday, 10).isoformat(),
                                                  "name": "Ann", "email": "ann@example.com"}).json()
    token = created["manage_url"].rstrip("/").rsplit("/", 1)[1]
    response = _post(api_client, f"/api/bookings/manage/{token}/reschedule", {"start": start})
    assert (response.status_code, response.json()["field"]) == (422, "start")


def test_a_handshake_token_with_a_nul_is_refused_and_not_stored(db, api_client, settings):
    from booksync.sync.models import SyncState
    from booksync.sync.notion_handshake import open_window
    from booksync.sync.notion_webhooks import TOKEN_STATE

    # An expected handshake (Notion configured, window open), so the token itself is judged.
    settings.NOTION_API_KEY, settings.NOTION_BOOKINGS_DATABASE_ID = "secret_key", "db-id"
    open_window()

    response = _post(api_client, "/api/webhooks/notion", {"verification_token": "secret_\x00"})
    assert response.status_code == 400
    assert SyncState.get(TOKEN_STATE) in (None, "")


def test_signed_events_with_malformed_ids_are_answered_without_a_crash(db, api_client):
    from booksync.sync.models import SyncState, WebhookDelivery
    from booksync.sync.notion_webhooks import TOKEN_STATE, _signature

    SyncState.put(TOKEN_STATE, "secret_token")

    def send(body):
        raw = json.dumps(body).encode()
        return api_client.post("/api/webhooks/notion", raw, content_type="application/json",
                               headers={"X-Notion-Signature": _signature("secret_token", raw)})

    # An entity that is not an object names no page, but the event itself is kept.
    assert send({"id": "e1", "type": "page.created", "entity": "not-an-object"}).status_code == 200
    # An id longer than the column (PostgreSQL would refuse it) is a bad request.
    assert send({"id": "e" * 300, "type": "page.created", "entity": {"id": "p", "type": "page"}}).status_code == 400
    assert list(WebhookDelivery.objects.values_list("delivery_id", "entity_id")) == [("notion:e1", "")]
