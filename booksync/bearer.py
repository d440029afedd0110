"""The one check of an ``Authorization: Bearer <secret>`` header, compared in constant time.

Used for the admin API token (``web/api.py``) and the Notion automation's secret
(``sync/notion_webhooks.py``). Like ``config.py`` it sits beside the layers and imports nothing
of booksync.
"""

from __future__ import annotations

import hmac


def bearer_matches(authorization: str, secret: str) -> bool:
    """Does the ``Authorization`` header carry ``Bearer <secret>``? Never, while ``secret`` is unset."""
    scheme, _, supplied = authorization.partition(" ")
    return bool(secret) and scheme.lower() == "bearer" and hmac.compare_digest(
        supplied.strip().encode(), secret.encode())
