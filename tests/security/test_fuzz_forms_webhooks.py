"""Hostile input for the pages' forms and the webhooks: a hypothesis-driven client, zero 5xx.

schemathesis (tests/hardening/test_schemathesis.py) covers the JSON API from
its OpenAPI schema; forms and webhooks have no such schema, so hypothesis
builds their requests here: form fields of any text (control characters,
far or malformed times, huge strings), random JSON of any depth for the
webhooks, signed and unsigned, with and without the right secrets. Every
answer must be below 500.

``FUZZ_EXAMPLES`` sets the examples per target (7 targets; default 40: 280 requests in
``make test``); ``bench/fuzz_forms.py`` runs it with 150 (1,050 requests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import string
from collections import Counter

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booksync.bookings import services
from booksync.bookings.models import Service
from tests.conftest import london

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
SIGNING_TOKEN = "secret_fuzz_signing_token"
AUTOMATION_SECRET = "fuzz-automation-secret"
SENDGRID_AUTH = "sendgrid:fuzz-webhook-secret"
STATUSES: Counter = Counter()

nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "\x00", "\r\n", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd",
                     "%0d%0aSet-Cookie: x=y", "a" * 5000, "\u202e", "🙂" * 50, "{{ 7*7 }}", "${jndi:ldap://x}"]),
)
times = st.one_of(
    st.datetimes(allow_imaginary=True).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+14:00", "2030-02-30T10:00:00Z",
                     "2030-01-07T10:00:00+99:00", "now", "", "2030-01-07T10:00:00"]),
    nasty_text,
)
days = st.one_of(st.dates().map(str), st.sampled_from(["0001-01-01", "9999-12-31", "2030-13-01", ""]), nasty_text)
zones = st.one_of(st.timezone_keys(), st.sampled_from(["", "Mars/Olympus", "../../../etc", "UTC"]), nasty_text)
emails = st.one_of(st.emails(), st.sampled_from(["root@localhost", "a@[127.0.0.1]", "a\x00@example.com", ""]),
                   nasty_text)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)


def check(response) -> None:
    STATUSES[response.status_code] += 1
    assert response.status_code < 500, (response.status_code, response.content[:500])


@pytest.fixture
def client(studio, settings, tmp_path):
    from booksync.sync.models import SyncState
    from booksync.sync.notion_webhooks import TOKEN_STATE

    # Limits high enough that the fuzz reaches the code behind them (the limits have their own tests).
    settings.BOOKING_RATE_PER_CLIENT = settings.BOOKING_RATE_PER_EMAIL = settings.PAGE_POST_RATE = "100000/m"
    settings.WEBHOOK_FAILURE_RATE = "100000/m"
    settings.BOOKING_ACTIVE_PER_EMAIL = 100000
    settings.OUTBOX_WAKE_WORKER = False
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.NOTION_WEBHOOK_SECRET = AUTOMATION_SECRET
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SENDGRID_AUTH}
    SyncState.put(TOKEN_STATE, SIGNING_TOKEN)
    return Client(raise_request_exception=False)


@pytest.fixture
def token(studio, monday):
    return services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                 service=Service.objects.get(slug="portrait"))).token


def form(draw_fields: dict) -> dict:
    return {k: v for k, v in draw_fields.items() if v is not None}


booking_form = st.fixed_dictionaries({}, optional={
    "start": times, "date": days, "timezone": zones, "name": nasty_text, "email": emails, "phone": nasty_text,
    "notes": nasty_text, "idempotency_key": nasty_text, "website": st.sampled_from(["", "x"]),
    # The Family session's questions (ADR 0019): a number and one choice, typed by anyone.
    "answer-people": nasty_text, "answer-occasion": nasty_text,
})


def test_booking_form(client):
    @FUZZ
    @given(slug=st.sampled_from(["portrait", "family", "mini", "nope"]), fields=booking_form)
    def run(slug, fields):
        check(client.post(f"/book/{slug}/", form(fields)))

    run()


def test_booking_page_query(client):
    @FUZZ
    @given(slug=st.sampled_from(["portrait", "mini"]), day=days, tz=zones)
    def run(slug, day, tz):
        check(client.get(f"/book/{slug}/", {"date": day, "tz": tz}))

    run()


def test_manage_forms(client, token):
    @FUZZ
    @given(use_real=st.booleans(), other=st.text(alphabet=string.ascii_letters + "-_%", min_size=1, max_size=120),
           action=st.sampled_from(["reschedule", "cancel"]), method=st.sampled_from(["GET", "POST"]),
           fields=st.fixed_dictionaries({}, optional={"start": times, "date": days, "timezone": zones,
                                                      "reason": nasty_text, "tz": zones}))
    def run(use_real, other, action, method, fields):
        url = f"/manage/{token if use_real else other}/{action}/"
        response = client.post(url, form(fields)) if method == "POST" else client.get(url, form(fields))
        check(response)

    run()


def sign(raw: bytes) -> str:
    return "sha256=" + hmac.new(SIGNING_TOKEN.encode(), raw, hashlib.sha256).hexdigest()


notion_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"id": json_values, "type": json_values}, optional={"entity": json_values,
                                                                              "data": json_values}),
    st.fixed_dictionaries({"verification_token": json_values}),
    st.fixed_dictionaries({"data": st.one_of(json_values, st.fixed_dictionaries({"id": json_values},
                                                                                optional={"parent": json_values}))}),
)


def test_notion_webhook(client):
    @FUZZ
    @given(body=notion_bodies, how=st.sampled_from(["signed", "bearer", "none", "wrong", "raw"]),
           raw_bytes=st.binary(max_size=200))
    def run(body, how, raw_bytes):
        raw = raw_bytes if how == "raw" else json.dumps(body).encode()
        headers = {"signed": {"X-Notion-Signature": sign(raw)},
                   "bearer": {"Authorization": f"Bearer {AUTOMATION_SECRET}"},
                   "wrong": {"X-Notion-Signature": "sha256=" + "0" * 64, "Authorization": "Bearer x"},
                   }.get(how, {})
        check(client.post("/api/webhooks/notion", raw, content_type="application/json", headers=headers))

    run()


def test_google_webhook(client):
    header = st.one_of(nasty_text.filter(lambda t: "\n" not in t and "\r" not in t), st.uuids().map(str))

    @FUZZ
    @given(headers=st.fixed_dictionaries({}, optional={
        "X-Goog-Channel-ID": header, "X-Goog-Channel-Token": header, "X-Goog-Resource-ID": header,
        "X-Goog-Resource-State": st.sampled_from(["sync", "exists", "not_exists", ""]),
        "X-Goog-Message-Number": header}), body=st.binary(max_size=100))
    def run(headers, body):
        check(client.post("/api/webhooks/google", body, content_type="application/octet-stream", headers=headers))

    run()


def test_sendgrid_webhook(client):
    auth = "Basic " + base64.b64encode(SENDGRID_AUTH.encode()).decode()
    events = st.lists(st.fixed_dictionaries({"event": st.sampled_from(["bounce", "delivered", "dropped", "open",
                                                                       "weird"])},
                                            optional={"sg_message_id": json_values, "email": emails,
                                                      "timestamp": json_values, "reason": json_values}),
                      max_size=4)

    @FUZZ
    @given(body=st.one_of(events, json_values), authorised=st.booleans())
    def run(body, authorised):
        headers = {"Authorization": auth} if authorised else {}
        check(client.post("/anymail/sendgrid/tracking/", json.dumps(body), content_type="application/json",
                          headers=headers))

    run()


def test_pages_by_path(client, token):
    """Odd paths and methods on the pages (path segments are where tokens and slugs go)."""
    segment = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40)

    @FUZZ
    @given(prefix=st.sampled_from(["/manage/", "/book/", "/calendar/", "/manage/" + token + "/"]), seg=segment,
           method=st.sampled_from(["get", "post", "put", "delete", "head", "options"]))
    def run(prefix, seg, method):
        from urllib.parse import quote

        check(getattr(client, method)(prefix + quote(seg, safe="") + "/"))

    run()


def test_report_counts():
    """Prints the statuses seen (``-s`` shows them); the fuzz tests above assert zero 5xx."""
    print(f"fuzz: {sum(STATUSES.values())} requests, statuses {dict(sorted(STATUSES.items()))}")
