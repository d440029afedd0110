"""The outbox and the audit log: what a booking change owes the outside world, and its delivery.

Below ``bookings`` and above ``integrations`` (ADR 0013 (b), ADR 0014). ``effects`` records
what a change owes (``owe``) and builds every message key; ``delivery`` claims and delivers
messages with backoff, a claim heartbeat (``claims``) and per-topic liveness
(``liveness``). Handlers are named by dotted path, so this package never imports
``bookings`` or ``sync``.
"""
