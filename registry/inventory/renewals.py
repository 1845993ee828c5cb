"""Licence renewal rule, pure: warn at 90 days (31..90 days left) and again at 30 days (0..30);
"ended" once days_left < 0. Each threshold is notified once per item.
"""

from __future__ import annotations

from datetime import date

from registry.tools.hygiene import days_between

LICENCE_THRESHOLDS: tuple[int, ...] = (90, 30)  # warn at each, largest first


def licence_threshold(licence_end: date | None, today: date) -> str | None:
    """The warning band an inventory licence is in: "90", "30", "ended" or None (nothing due)."""
    if licence_end is None:
        return None
    left = days_between(today, licence_end)
    if left < 0:
        return "ended"
    reached = [t for t in LICENCE_THRESHOLDS if left <= t]
    return str(min(reached)) if reached else None
