"""Time units and period lengths: the one table every module reads.

Two conventions live side by side, for a stated reason (docs/glossary.md, "Time and money"):

- :data:`DAYS_PER_UNIT` is the calendar: a day, a week of 7 days, a month of 365.25 / 12 =
  30.4375 days. :func:`custvalue.rfm.rfm_summary` divides durations in days by it, so
  ``recency`` and ``T`` are in these units.
- :data:`UNITS_PER_MONTH` is the month of :func:`custvalue.clv.clv`: 30 days, 4.345 weeks
  or 720 hours, the lengths lifetimes (``customer_lifetime_value``) uses, so that our CLV
  equals the peer library's number for the same fitted model (checked in
  ``tests/foundation/test_bgnbd_reference.py``). The two months differ by 1.4% (days) and
  0.07% (weeks).
"""

from __future__ import annotations

__all__ = ["DAYS_PER_UNIT", "UNITS_PER_MONTH", "UNIT_WORDS"]

#: Length of each model time unit in days (calendar month: 365.25 / 12 days).
DAYS_PER_UNIT = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}

#: Number of model time units in the month of :func:`custvalue.clv.clv` (lifetimes' month:
#: 30 days, 4.345 weeks, 720 hours).
UNITS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24}

#: The model time units in words, for labels and messages.
UNIT_WORDS = {"D": "days", "W": "weeks", "M": "months"}
