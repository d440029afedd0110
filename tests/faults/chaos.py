"""Fault mixes for the emulators: a total fault rate spread over 429s, 5xx, hangs and drops.

``base.Fault`` rules are tried in order, each with its own probability, so the
per-kind rates here are conditional ones chosen to make the overall share of
faulted requests equal ``rate``. Every kind fails *before* the emulated API
handles the request, except ``lose_answers``: it lets the API do the work and
then drops the connection, the case that makes a naive retry create twice.

SendGrid has no idempotency key, so a send whose answer is lost cannot be told
apart from one that never arrived: retrying it may email twice. Its mix
therefore holds only failures that happen before the message is accepted
(429, 5xx, a dropped connection); ``test_sendgrid_lost_answer_is_a_known_duplicate``
pins the residual risk.
"""

from __future__ import annotations

import contextlib
import random
import re
import socket
from dataclasses import dataclass
from typing import Any

from tests.emulators.base import Emulator
from tests.emulators.google_calendar import error_body as google_error
from tests.emulators.notion import error_body as notion_error
from tests.emulators.sendgrid import RATE_LIMIT_BODY, SERVER_ERROR_BODY

# Share of the faults of each kind (hangs cost a full client timeout each, so they are rarer).
DEFAULT_MIX = {"429": 0.3, "5xx": 0.3, "drop": 0.3, "hang": 0.1}
SENDGRID_MIX = {"429": 0.35, "5xx": 0.35, "drop": 0.3}


@dataclass
class Chaos:
    """What a fault run injects: ``rate`` of all requests fail; ``hang_seconds`` outlasts the client timeout."""

    rate: float = 0.25
    hang_seconds: float = 1.3
    lost_answer_rate: float = 0.05  # Notion and Google writes done but unanswered


def _conditional_rates(rate: float, mix: dict[str, float]) -> list[tuple[str, float]]:
    """Per-rule probabilities so that rules tried in order hit ``rate * share`` of requests each."""
    total = sum(mix.values())
    out, remaining = [], 1.0
    for kind, share in mix.items():
        wanted = rate * share / total
        out.append((kind, min(wanted / remaining, 1.0) if remaining > 0 else 0.0))
        remaining -= wanted
    return out


def _status_body(api: str, kind: str) -> tuple[int, Any, dict[str, str]]:
    if api == "notion":
        if kind == "429":
            # Retry-After: 0 keeps the SDK's own 429 retries instant (the test stays fast).
            return 429, notion_error(429, "rate_limited", "Rate limited."), {"Retry-After": "0"}
        return 503, notion_error(503, "service_unavailable", "Notion is unavailable."), {}
    if api == "google":
        if kind == "429":
            return 429, google_error(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"), {}
        return 503, google_error(503, "backendError", "Backend Error"), {}
    if kind == "429":
        return 429, RATE_LIMIT_BODY, {"X-RateLimit-Remaining": "0"}
    return 500, SERVER_ERROR_BODY, {}


def inject(emulator: Emulator, api: str, chaos: Chaos, *, path: str = ".*", mix: dict[str, float] | None = None) -> None:
    """Make ``rate`` of the requests to ``emulator`` matching ``path`` fail, for as long as the faults stay."""
    mix = mix or (SENDGRID_MIX if api == "sendgrid" else DEFAULT_MIX)
    for kind, probability in _conditional_rates(chaos.rate, mix):
        if probability <= 0:
            continue
        if kind in ("429", "5xx"):
            status, body, headers = _status_body(api, kind)
            emulator.add_fault(kind="status", path=path, status=status, body=body, headers=headers,
                               times=None, rate=probability)
        else:
            emulator.add_fault(kind=kind, path=path, seconds=chaos.hang_seconds, times=None, rate=probability)


def lose_answers(emulator: Emulator, *, rate: float, methods: tuple[str, ...] = ("POST", "PATCH", "PUT", "DELETE"),
                 path: str = ".*", seed: int = 0) -> dict[str, int]:
    """Let the API handle matching writes, then close the connection without answering.

    Returns a live counter (``{"lost": n}``). Undo with ``restore(emulator)``.
    """
    rng = random.Random(seed)
    counter = {"lost": 0}
    original = emulator._serve
    pattern = re.compile(path)

    def serve(handler: Any, request: Any) -> None:
        with emulator.lock:
            hit = request.method in methods and pattern.search(request.path) and rng.random() < rate
        if not hit:
            return original(handler, request)
        response = emulator.route(request)  # the work is done …
        emulator._record(request, response.status, faulted=True)
        with emulator.lock:
            counter["lost"] += 1
        handler.close_connection = True  # … and the answer never arrives
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
        return None

    emulator._serve = serve  # type: ignore[method-assign]
    emulator._chaos_original_serve = original  # type: ignore[attr-defined]
    return counter


def restore(emulator: Emulator) -> None:
    emulator.clear_faults()
    original = getattr(emulator, "_chaos_original_serve", None)
    if original is not None:
        emulator._serve = original  # type: ignore[method-assign]
        del emulator._chaos_original_serve  # type: ignore[attr-defined]


def fault_counts(*emulators: Emulator) -> tuple[int, int]:
    """(requests, faulted requests) over the emulators' logs."""
    total = faulted = 0
    for emulator in emulators:
        calls = emulator.calls()
        total += len(calls)
        faulted += sum(1 for c in calls if c.faulted)
    return total, faulted
