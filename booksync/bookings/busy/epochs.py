"""Busy time read straight from the database as integer epoch seconds (no model instances, no datetimes).

Turning 500 database datetimes into aware Python datetimes costs several times
more than computing a month of slots from them; the database hands back plain
integers instead, bookings and blocks in one query. Starts are rounded down
and ends up, so a span read this way never covers less than the real busy time.
The SQL is written per database (the ORM's per-row machinery costs as much as
the read itself here); SQLite and PostgreSQL are the two this project runs on.
"""

from __future__ import annotations

import functools

from django.db import connection

from booksync.scheduling import Interval

from ..models import ACTIVE_STATUSES, Block, Booking, BookingResource
from . import prepared_sql


def _epoch_sql(column: str, *, up: bool) -> str:
    if connection.vendor == "postgresql":
        # date_part answers a double, several times cheaper than extract's numeric; whole
        # seconds are exact in a double, so rounding them down or up changes nothing.
        return f"{'ceil' if up else 'floor'}(date_part('epoch', {column}))::bigint"
    # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS' plus '.ffffff' only when there is a fraction.
    whole = (f"unixepoch({column})" if connection.Database.sqlite_version_info >= (3, 38)
             else f"CAST(strftime('%%s', {column}) AS INTEGER)")
    return f"({whole} + (length({column}) > 19))" if up else whole


def _spans_sql(exclude_booking: bool) -> str:
    quote = connection.ops.quote_name
    booking, block = Booking._meta, Block._meta
    b_start, b_end = (quote(booking.get_field(name).column) for name in ("blocked_start", "blocked_end"))
    k_start, k_end = (quote(block.get_field(name).column) for name in ("start", "end"))
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    exclude = f" AND {quote(booking.pk.column)} <> %s" if exclude_booking else ""
    return (
        f"SELECT {_epoch_sql(b_start, up=False)}, {_epoch_sql(b_end, up=True)} FROM {quote(booking.db_table)} "
        f"WHERE {quote(booking.get_field('status').column)} IN ({statuses}) "
        f"AND {b_start} < %s AND {b_end} > %s{exclude} "
        f"UNION ALL SELECT {_epoch_sql(k_start, up=False)}, {_epoch_sql(k_end, up=True)} "
        f"FROM {quote(block.db_table)} WHERE {k_start} < %s AND {k_end} > %s"
    )


def local_busy_spans(window: Interval, *, exclude_booking_id=None) -> list[tuple[int, int]]:
    """Blocked time of active bookings (buffers included) and manual blocks overlapping ``window``.

    One query, answered as ``(start, end)`` epoch seconds.
    """
    ops = connection.ops
    start, end = ops.adapt_datetimefield_value(window.start), ops.adapt_datetimefield_value(window.end)
    params: list = [*ACTIVE_STATUSES, end, start]
    if exclude_booking_id is not None:
        params.append(Booking._meta.pk.get_db_prep_value(exclude_booking_id, connection))
    params += [end, start]
    exclude = exclude_booking_id is not None
    with connection.cursor() as cursor:
        prepared_sql.execute(cursor, "booksync_busy_spans_excluding" if exclude else "booksync_busy_spans",
                             _spans_sql(exclude), params)
        return cursor.fetchall()


def interval_span(interval: Interval) -> tuple[int, int]:
    """An interval (e.g. a remote calendar's busy time) as epoch seconds, widened to whole seconds."""
    start, end = interval.start_utc.timestamp(), interval.end_utc.timestamp()
    return int(start // 1), -int(-end // 1)


@functools.lru_cache(maxsize=64)
def _claim_spans_sql(count: int, exclude_booking: bool, vendor: str = "") -> str:
    """The claims read's SQL for ``count`` resources (kept: building it costs as much as a small read)."""
    quote = connection.ops.quote_name
    claim, block = BookingResource._meta, Block._meta
    c_start, c_end = (quote(claim.get_field(name).column) for name in ("blocked_start", "blocked_end"))
    k_start, k_end = (quote(block.get_field(name).column) for name in ("start", "end"))
    c_resource, k_resource = quote(claim.get_field("resource").column), quote(block.get_field("resource").column)
    members = ", ".join(["%s"] * count)
    exclude = f" AND {quote(claim.get_field('booking').column)} <> %s" if exclude_booking else ""
    booking = Booking._meta
    b_start, b_end = (f"b.{quote(booking.get_field(name).column)}" for name in ("blocked_start", "blocked_end"))
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    exclude_b = f" AND b.{quote(booking.pk.column)} <> %s" if exclude_booking else ""
    return (
        f"SELECT {c_resource}, {_epoch_sql(c_start, up=False)}, {_epoch_sql(c_end, up=True)} "
        f"FROM {quote(claim.db_table)} WHERE {quote(claim.get_field('active').column)} "
        f"AND {c_resource} IN ({members}) AND {c_start} < %s AND {c_end} > %s{exclude} "
        # The studio's blocks and the resources' own, apart: each reads the (resource, start) index.
        f"UNION ALL SELECT {k_resource}, {_epoch_sql(k_start, up=False)}, {_epoch_sql(k_end, up=True)} "
        f"FROM {quote(block.db_table)} WHERE {k_resource} IS NULL AND {k_start} < %s AND {k_end} > %s "
        f"UNION ALL SELECT {k_resource}, {_epoch_sql(k_start, up=False)}, {_epoch_sql(k_end, up=True)} "
        f"FROM {quote(block.db_table)} WHERE {k_resource} IN ({members}) AND {k_start} < %s AND {k_end} > %s "
        # A booking that holds nobody (a row written outside the doors) blocks the whole studio.
        f"UNION ALL SELECT NULL, {_epoch_sql(b_start, up=False)}, {_epoch_sql(b_end, up=True)} "
        f"FROM {quote(booking.db_table)} b WHERE {quote(booking.get_field('status').column)} IN ({statuses}) "
        f"AND {b_start} < %s AND {b_end} > %s{exclude_b} AND NOT EXISTS (SELECT 1 FROM {quote(claim.db_table)} c "
        f"WHERE c.{quote(claim.get_field('booking').column)} = b.{quote(booking.pk.column)})"
    )


def claim_spans(window: Interval, resource_ids: list[int], *,
                exclude_booking_id=None) -> list[tuple[int | None, int, int]]:
    """The claims of ``resource_ids`` (active bookings' blocked time) and the blocks on them or on the
    whole studio (resource None) overlapping ``window``: one query, as ``(resource, start, end)`` epoch seconds."""
    if not resource_ids:
        return []
    ops = connection.ops
    start, end = ops.adapt_datetimefield_value(window.start), ops.adapt_datetimefield_value(window.end)
    params: list = [*resource_ids, end, start]
    exclude = exclude_booking_id is not None
    if exclude:
        params.append(Booking._meta.pk.get_db_prep_value(exclude_booking_id, connection))
    params += [end, start, *resource_ids, end, start, *ACTIVE_STATUSES, end, start]
    if exclude:
        params.append(Booking._meta.pk.get_db_prep_value(exclude_booking_id, connection))
    name = f"booksync_claims_{len(resource_ids)}{'_excluding' if exclude else ''}"
    with connection.cursor() as cursor:
        prepared_sql.execute(cursor, name, _claim_spans_sql(len(resource_ids), exclude, connection.vendor), params)
        return cursor.fetchall()
