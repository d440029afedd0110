"""Incoming webhooks (Notion, Google push, email events): verify, record, wake the worker, answer fast.

Nothing here does the sync work itself: a webhook only says "something
changed", and the worker reads the source of truth.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["webhooks"])
