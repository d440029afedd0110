"""Pure availability core: interval algebra, studio rules and bookable slots.

Plain Python with no Django, no I/O and no clock reads: callers pass ``now``.
"""

from .availability import (
    BEYOND_HORIZON,
    IN_PAST,
    INSIDE_MINIMUM_NOTICE,
    NOT_ON_SLOT,
    OUTSIDE_HOURS,
    REASONS,
    UNAVAILABLE,
    check_slot,
    day_bounds,
    free_slots,
    opening_intervals,
)
from .intervals import Interval, any_overlap, clip, merge, subtract, to_utc
from .month import EpochBusy, free_slot_starts, merge_epochs, whole_seconds
from .resources import ResourceTime, assign, free_resource_starts, order_people
from .rules import OpeningRange, StudioRules

__all__ = [
    "BEYOND_HORIZON",
    "INSIDE_MINIMUM_NOTICE",
    "IN_PAST",
    "NOT_ON_SLOT",
    "OUTSIDE_HOURS",
    "REASONS",
    "UNAVAILABLE",
    "EpochBusy",
    "Interval",
    "OpeningRange",
    "ResourceTime",
    "StudioRules",
    "any_overlap",
    "assign",
    "check_slot",
    "clip",
    "day_bounds",
    "free_resource_starts",
    "free_slot_starts",
    "free_slots",
    "merge",
    "merge_epochs",
    "opening_intervals",
    "order_people",
    "subtract",
    "to_utc",
    "whole_seconds",
]
