"""What a sync run did, counted once: every step returns ``Outcome``s and one ``Tally`` adds them up.

Pure: no Django, no I/O. The summary keeps the seed's keys; its ``deleted`` counts
bookings *cancelled* by the run (a booking is never deleted, only cancelled: the seed
named the key before booksync had a status).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CREATED = "created"
UPDATED = "updated"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Outcome:
    """What one step of a run did to one booking, in the shape the summary, ``actions`` and the log read.

    ``action`` names the line in the response's ``actions`` ("" = no line); ``booking`` is the
    booking's id, the one key every line is found by. ``count`` is how the summary counts it now;
    a push counts only once it is delivered, so it carries ``on_delivery`` and the message
    (``owes``) that will carry it instead.
    """

    action: str = ""
    booking: str = ""
    count: str | None = None
    imported: bool = False  # a booking new to booksync: the run's total grows by one
    detail: Mapping[str, object] = field(default_factory=dict)  # the rest of the line: side, fields, kind
    error: Mapping[str, str] | None = None  # {"side", "id", "error"}
    in_progress: Mapping[str, str] | None = None  # an owed effect left to its worker
    owes: int | None = None  # the outbox message carrying a planned push
    on_delivery: str | None = None  # how that push counts once delivered

    def line(self) -> dict[str, object]:
        return {"action": self.action, **self.detail, "booking": self.booking}


def error(side: str, message: str, external_id: str = "") -> Outcome:
    return Outcome(error={"side": side, "id": external_id, "error": message})


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    imported: int = 0
    errors: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    in_progress: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Tally:
        tally = cls()
        for outcome in outcomes:
            tally.add(outcome)
        return tally

    def add(self, outcome: Outcome) -> None:
        if outcome.count:
            self.counts[outcome.count] += 1
        self.imported += outcome.imported
        if outcome.action:
            self.lines.append(outcome.line())
        if outcome.error:
            self.errors.append(dict(outcome.error))
        if outcome.in_progress:
            self.in_progress.append(dict(outcome.in_progress))

    def summary(self, total: int) -> dict[str, int]:
        """The seed's summary. ``deleted`` is the bookings cancelled; ``skipped`` those the run left alone."""
        touched = {line["booking"] for line in self.lines if line["booking"]}
        return {
            "total": total,
            "created": self.counts[CREATED],
            "updated": self.counts[UPDATED],
            "deleted": self.counts[CANCELLED],
            "skipped": max(total - len(touched), 0),
            "errors": len(self.errors),
        }
