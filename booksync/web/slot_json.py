"""Slots as the availability answers show them: ISO 8601 in the studio's zone, built from epoch seconds.

A month holds hundreds of slots. Making an aware datetime per slot end point and
letting the serialiser ask the zone for each one's offset cost more than finding
the slots, so each day's offset is asked once (twice on a day whose offset moves,
then once per slot) and the text is written directly, in the form pydantic writes
(``…T09:00:00Z`` at offset zero, ``…T09:00:00+01:00`` otherwise).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def _offset_seconds(tz: ZoneInfo, epoch: int) -> int:
    return int(datetime.fromtimestamp(epoch, tz).utcoffset().total_seconds())


def _suffix(offset: int) -> str:
    if offset == 0:
        return "Z"
    sign, offset = ("+", offset) if offset > 0 else ("-", -offset)
    hours, rest = divmod(offset, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


_EPOCH = datetime(1970, 1, 1)  # naive: the local wall time is epoch + offset


def _iso(epoch: int, offset: int, suffix: str) -> str:
    return (_EPOCH + timedelta(seconds=epoch + offset)).isoformat() + suffix


def slots_json(starts: list[int], length_seconds: int, tz: ZoneInfo) -> list[dict[str, str]]:
    """``[{"start": …, "end": …}]`` for slots starting at ``starts`` (sorted epoch seconds, one day)."""
    if not starts:
        return []
    first, last = _offset_seconds(tz, starts[0]), _offset_seconds(tz, starts[-1] + length_seconds)
    if first == last:  # no change of offset inside the day's slots (a zone changes at most once a day)
        suffix = _suffix(first)
        return [{"start": _iso(s, first, suffix), "end": _iso(s + length_seconds, first, suffix)} for s in starts]
    out = []
    for start in starts:
        end = start + length_seconds
        a, b = _offset_seconds(tz, start), _offset_seconds(tz, end)
        out.append({"start": _iso(start, a, _suffix(a)), "end": _iso(end, b, _suffix(b))})
    return out
