"""The cache the rate limits count in: the database cache, with an increment that loses no count.

Django's ``DatabaseCache.incr`` reads, adds and writes in separate statements,
so two processes counting the same client at once can both write the same
number, and a flood in parallel gets through uncounted. Here the three steps
are one transaction: on SQLite it takes the write lock at BEGIN (IMMEDIATE,
see settings), on PostgreSQL the row is locked first. Kept in its own table
with a high ``MAX_ENTRIES`` so the busy-time cache's churn never culls a
client's count (the shared default cache culls a third of its entries past
300).
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class CounterCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.vendor == "postgresql":
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                                   [self.make_and_validate_key(key, version=version)])
            return super().incr(key, delta, version=version)
