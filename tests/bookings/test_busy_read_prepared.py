"""On PostgreSQL the picker's busy read is a statement prepared once per connection (bookings/epochs.py).

Runs in the PostgreSQL pass (``-m dbspecific``); outside a transaction, as the slot picker reads.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from booksync.bookings.busy import prepared_sql
from booksync.bookings.busy.epochs import local_busy_spans
from booksync.bookings.models import Block
from booksync.scheduling import Interval
from tests.conftest import london

pytestmark = [pytest.mark.dbspecific, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite runs the plain SQL (the other tests)")
    # A connection fresh to these statements, whatever an earlier test on it already prepared.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared_sql._prepared.pop(connection.connection, None)


def statements(queries) -> list[str]:
    return [q["sql"].split()[0].upper() for q in queries.captured_queries]


def test_the_busy_read_is_prepared_once_and_answers_as_the_plain_sql(postgres, studio, monday):
    for hour in (9, 11, 15):
        Block.objects.create(start=london(monday, hour), end=london(monday, hour, 45), reason="x")
    window = Interval(london(monday, 0), london(monday + timedelta(days=1), 0))
    with transaction.atomic(), CaptureQueriesContext(connection) as plain:  # in a transaction: the plain SQL
        expected = local_busy_spans(window)
    assert statements(plain) == ["SELECT"] and len(expected) == 3

    with CaptureQueriesContext(connection) as first:
        assert local_busy_spans(window) == expected
    with CaptureQueriesContext(connection) as again:
        assert local_busy_spans(window) == expected
    assert statements(first) == ["PREPARE", "EXECUTE"]
    assert statements(again) == ["EXECUTE"]


def test_a_connection_that_lost_its_statement_still_answers(postgres, studio, monday):
    """What a pooler in transaction mode does: the next statement lands on a server connection
    where the name is unknown. The read falls back to the plain SQL, then prepares again."""
    Block.objects.create(start=london(monday, 10), end=london(monday, 11), reason="x")
    window = Interval(london(monday, 0), london(monday + timedelta(days=1), 0))
    expected = local_busy_spans(window)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with CaptureQueriesContext(connection) as fallback:
        assert local_busy_spans(window) == expected
    with CaptureQueriesContext(connection) as after:
        assert local_busy_spans(window) == expected
    assert statements(fallback)[-1] == "SELECT"
    assert statements(after) == ["PREPARE", "EXECUTE"]
