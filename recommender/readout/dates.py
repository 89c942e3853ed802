"""Dates of the readout: target and plan months as 'YYYY-MM' from the report date."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

DAYS_PER_MONTH = 365.25 / 12


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months_float(day: date, months: float) -> str:
    """'YYYY-MM' of the day `months` (a fraction allowed) after `day`."""
    return month_of(day + timedelta(days=round(months * DAYS_PER_MONTH)))
