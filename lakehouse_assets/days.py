"""Day windows and the days in them: the one place the project lists a range of days. No Dagster here, so
ingestion, landing and ML code use it as well as the assets."""

from __future__ import annotations

from datetime import date, timedelta

DayWindow = tuple[date, date]  # [start, end): the end day is not included


def days_in(window: DayWindow) -> list[date]:
    """Every day of [start, end), oldest first; none when end is not after start."""
    # Not pd.date_range(start, end, inclusive="left"): it returns [start] when start == end.
    start, end = window
    return [start + timedelta(days=offset) for offset in range((end - start).days)]


def window_text(window: DayWindow) -> str:
    """How a window reads in metadata and messages: first..last day, both included."""
    start, end = window
    return f"{start.isoformat()}..{date.fromordinal(end.toordinal() - 1).isoformat()}"
