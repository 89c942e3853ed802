"""Display formatting shared by the HTML and Markdown renderers (dates, numbers, efforts)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from recommender.readout.dates import DAYS_PER_MONTH

SEVERITIES = ("high", "medium", "low")


def month_date(start: str | None, month: float) -> dt.date | None:
    """The calendar date `month` months (may be fractional) after `start` (YYYY-MM-DD): the
    same conversion as the readout's own dates (recommender.readout.dates), so a table, the
    timeline and the summary name the same month for the same point of the plan."""
    try:
        base = dt.date.fromisoformat(str(start))
    except ValueError:
        return None
    return base + dt.timedelta(days=round(month * DAYS_PER_MONTH))


def calendar_months(start: str | None, month: float) -> float | None:
    """Where `month` months after `start` falls on a calendar axis whose column 0 is the
    start date's calendar month: 1 Dec is 1.0 when the plan starts in November, 15 Dec 1.47."""
    date = month_date(start, month)
    base = month_date(start, 0)
    if date is None or base is None:
        return None
    whole = (date.year - base.year) * 12 + date.month - base.month
    days = calendar.monthrange(date.year, date.month)[1]
    return whole + (date.day - 1) / days


def month_label(yyyy_mm: Any, fmt: str = "%B %Y") -> str:
    """'2025-09' -> 'September 2025'; anything else as given."""
    if not yyyy_mm:
        return ""
    try:
        return dt.date.fromisoformat(f"{yyyy_mm}-01").strftime(fmt)
    except ValueError:
        return str(yyyy_mm)


def long_date(iso: Any) -> str:
    try:
        d = dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    return f"{d.day} {d.strftime('%B %Y')}"


def num(value: Any) -> str:
    """1.0 -> '1', 7.5 -> '7.5', 2000000 -> '2,000,000'."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def weeks(item: dict[str, Any]) -> str:
    lo, hi = item.get("weeks_low"), item.get("weeks_high")
    if not isinstance(lo, int | float) or not isinstance(hi, int | float):
        return ""
    if hi == 0:
        return "configuration"
    if lo != hi:
        return f"{num(lo)}–{num(hi)} weeks"
    return f"{num(lo)} week" if lo == 1 else f"{num(lo)} weeks"


def yes_no(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value or "").replace("_", " ").capitalize()
