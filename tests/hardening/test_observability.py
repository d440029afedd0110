"""Observability: a JSON line per request, per outbox delivery and per sync action; /api/health.

Log lines are checked as records (caplog) for their fields, and once end to
end: the real server under gunicorn with LOG_FORMAT=json writes parseable JSON.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command

from tests.conftest import london
from tests.integrations.notion_fixtures import emu, notion_db, notion_settings  # noqa: F401
from tests.liveserver import product_env, running_server


@pytest.fixture
def cache_table(db):
    call_command("createcachetable", verbosity=0)
    cache.clear()


@pytest.fixture
def booking(studio, monday, settings, tmp_path, cache_table):
    from booksync.bookings import services
    from booksync.bookings.models import Service

    settings.OUTBOX_WAKE_WORKER = False
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    return services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                 service=Service.objects.get(slug="portrait"))).booking


def records(caplog, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


# --- the JSON formatter ----------------------------------------------------------------------------
def test_json_formatter_puts_extra_fields_at_the_top_level():
    from booksync.logging import JsonFormatter

    record = logging.LogRecord("booksync.outbox", logging.WARNING, __file__, 1, "outbox %s failed", ("k1",), None)
    record.booking_id = "b-1"
    record.duration_ms = 12.5
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "outbox k1 failed" and line["level"] == "WARNING" and line["logger"] == "booksync.outbox"
    assert (line["booking_id"], line["duration_ms"]) == ("b-1", 12.5)
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    assert "args" not in line and "msg" not in line  # LogRecord internals stay out


def test_json_formatter_keeps_a_traceback_on_the_same_line():
    from booksync.logging import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exception"]


def test_log_format_json_switches_the_console_handler():
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('booksync.test').info('hello %s', 'there', extra={'booking_id': 'b-9'})")
    for log_format, parses in (("json", True), ("text", False)):
        env = {**product_env(), "LOG_FORMAT": log_format}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        line = [ln for ln in done.stderr.splitlines() if "hello there" in ln][-1]
        if parses:
            assert json.loads(line)["booking_id"] == "b-9"
        else:
            assert line.endswith("booksync.test hello there")


# --- one line per request --------------------------------------------------------------------------
def test_one_line_per_request_with_method_path_status_duration_and_id(db, api_client, caplog):
    caplog.set_level(logging.INFO, logger="booksync.request")
    response = api_client.get("/api/ping")
    missing = api_client.get("/no-such-page/")
    lines = records(caplog, "booksync.request")
    assert len(lines) == 2
    ping, not_found = lines
    assert (ping.method, ping.path, ping.status) == ("GET", "/api/ping", 200)
    assert (not_found.path, not_found.status) == ("/no-such-page/", 404)
    assert isinstance(ping.duration_ms, float) and ping.duration_ms >= 0
    assert re.fullmatch(r"[0-9a-f]{32}", ping.request_id)
    assert response["X-Request-ID"] == ping.request_id
    assert missing["X-Request-ID"] == not_found.request_id != ping.request_id


def test_a_sane_request_id_from_the_proxy_is_kept_and_a_hostile_one_replaced(db, api_client, caplog):
    caplog.set_level(logging.INFO, logger="booksync.request")
    kept = api_client.get("/api/ping", headers={"X-Request-ID": "lb-1234.abc"})
    replaced = api_client.get("/api/ping", headers={"X-Request-ID": "x\" injected=1 " + "y" * 100})
    assert kept["X-Request-ID"] == "lb-1234.abc"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])
    assert [r.request_id for r in records(caplog, "booksync.request")] == ["lb-1234.abc", replaced["X-Request-ID"]]


@pytest.mark.django_db(transaction=True)
def test_the_real_server_writes_json_request_lines(studio):
    with running_server(workers=1, LOG_FORMAT="json") as url:
        urllib.request.urlopen(url + "/api/ping?probe=1", timeout=10).read()
        port = url.rsplit(":", 1)[1]
    log = Path(django_settings.DATA_DIR) / f"server-{port}.log"
    lines = [json.loads(ln) for ln in log.read_text().splitlines() if ln.startswith("{")]
    ping = [ln for ln in lines if ln.get("logger") == "booksync.request" and ln.get("path") == "/api/ping"]
    assert len(ping) == 1
    assert (ping[0]["method"], ping[0]["status"]) == ("GET", 200)
    assert {"duration_ms", "request_id", "time"} <= set(ping[0])


# --- outbox deliveries ------------------------------------------------------------------------------
def test_each_delivery_logs_one_line_with_its_booking_and_records_success(booking, caplog):
    from booksync.sync.liveness import last_successes
    from booksync.sync.outbox import deliver_due

    caplog.set_level(logging.INFO, logger="booksync.outbox")
    assert last_successes()["email"] is None
    assert deliver_due(force=True, topics=["email"]) == {"delivered": 1, "failed": 0}
    [line] = records(caplog, "booksync.outbox")
    assert (line.booking_id, line.topic, line.outcome, line.attempt) == (str(booking.pk), "email", "delivered", 1)
    assert last_successes()["email"] is not None


def test_a_failed_delivery_logs_its_booking_and_records_no_success(booking, settings, caplog):
    from booksync.sync.liveness import last_successes
    from booksync.sync.outbox import deliver_due

    with socket.socket() as sock:  # a port nobody listens on: the SMTP connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    caplog.set_level(logging.INFO, logger="booksync.outbox")
    assert deliver_due(force=True, topics=["email"]) == {"delivered": 0, "failed": 1}
    [line] = records(caplog, "booksync.outbox")
    assert (line.booking_id, line.outcome, line.levelname) == (str(booking.pk), "retry", "WARNING")
    assert last_successes()["email"] is None


def test_recording_a_success_never_fails_the_caller(db, monkeypatch):
    from booksync.sync import liveness

    def broken(*args, **kwargs):
        raise RuntimeError("cache down")

    monkeypatch.setattr(liveness.cache, "set", broken)
    monkeypatch.setattr(liveness.cache, "get_many", broken)
    liveness.record_success("email")  # no exception
    assert liveness.last_successes() == {"email": None, "notion": None, "calendar": None}


# --- sync actions ---------------------------------------------------------------------------------
@pytest.mark.usefixtures("notion_settings")
def test_each_sync_action_logs_its_booking_and_a_read_records_the_side(booking, caplog):
    from booksync.sync.engine import run_sync
    from booksync.sync.liveness import last_successes

    caplog.set_level(logging.INFO, logger="booksync.sync")
    result = run_sync(trigger="test", full=True)
    assert result["success"], result["error_details"]
    actions = [r for r in records(caplog, "booksync.sync") if hasattr(r, "sync_action")]
    assert actions, "the run pushed the booking to Notion and sent its email"
    assert {r.booking_id for r in actions} == {str(booking.pk)}
    assert {r.sync_action for r in actions} >= {"push"}
    assert last_successes()["notion"] is not None


# --- /api/health ------------------------------------------------------------------------------------
def test_worker_state_from_its_heartbeat():
    from booksync.sync.health import worker_state

    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert worker_state(None, now)["state"] == "missing"
    fresh = worker_state((now - timedelta(seconds=59)).isoformat(), now)
    assert (fresh["state"], fresh["age_seconds"]) == ("ok", 59)
    edge = worker_state((now - timedelta(minutes=3)).isoformat(), now)
    assert edge["state"] == "ok"
    stale = worker_state((now - timedelta(minutes=3, seconds=1)).isoformat(), now)
    assert (stale["state"], stale["age_seconds"]) == ("stale", 181)


def test_health_reports_database_worker_backlog_and_last_successes(booking, api_client, settings):
    from django.utils import timezone

    from booksync.sync.health import HEARTBEAT_KEY, beat
    from booksync.sync.outbox import deliver_due

    settings.ADMIN_API_TOKEN = "health-admin-token"
    admin = {"Authorization": "Bearer health-admin-token"}  # the details are the studio's only
    before = api_client.get("/api/health", headers=admin).json()
    assert (before["status"], before["database"]) == ("ok", "ok")
    assert before["worker"]["state"] == "missing"
    assert before["outbox_backlog"] >= 1  # the confirmation email is owed
    assert before["last_success"] == {"email": None, "notion": None, "calendar": None}

    beat()
    deliver_due(force=True)
    after = api_client.get("/api/health", headers=admin).json()
    assert after["worker"]["state"] == "ok" and after["worker"]["age_seconds"] is not None
    assert after["outbox_backlog"] == 0
    assert after["last_success"]["email"] is not None

    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=10)).isoformat(), timeout=None)
    response = api_client.get("/api/health", headers=admin)
    assert response.status_code == 200  # the web node itself is fine: monitoring reads worker.state
    assert response.json()["worker"]["state"] == "stale"
    assert response.json()["worker"]["age_seconds"] >= 600
