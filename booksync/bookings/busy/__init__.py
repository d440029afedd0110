"""Busy time for the slot picker: as epoch seconds (epochs.py), cached per process (cache.py),
read by one prepared statement on PostgreSQL (prepared_sql.py)."""
