"""Booking questions: the model (models.py) and the answers' rules (answers.py). Kept empty so that
``bookings.models`` can import the question models without loading the answers' rules (ADR 0019)."""
