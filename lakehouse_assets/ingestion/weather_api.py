"""Fetch one day of weather from the paginated HTTP API: follow `next_page` links until the last page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

from .http_pages import HttpPageClient, HttpSourceError
from .weather_payload import WeatherPage, parse_weather_page

MAX_PAGES = 10_000


@dataclass(frozen=True)
class DayFetch:
    pages: list[WeatherPage]
    requests: int  # attempts, retries included


def fetch_weather_day(client: HttpPageClient, url: str, day: date, page_size: int) -> DayFetch:
    """Every page of `day`. The first page is `url?date=<day>&page_size=<n>`; the API links the rest."""
    fetched = client.get(url, params={"date": day.isoformat(), "page_size": str(page_size)})
    pages: list[WeatherPage] = []
    attempts = 0
    seen: set[str] = set()
    while True:
        attempts += fetched.attempts
        page = parse_weather_page(fetched.body, fetched.url, day, page=len(pages) + 1, modified=fetched.last_modified)
        pages.append(page)
        if not page.next_page:
            return DayFetch(pages=pages, requests=attempts)
        next_url = urljoin(fetched.url, page.next_page)
        if next_url in seen or len(pages) >= MAX_PAGES:
            raise HttpSourceError(f"{fetched.url}: pagination does not end (next_page {page.next_page!r} repeats)")
        seen.add(next_url)
        fetched = client.get(next_url)
