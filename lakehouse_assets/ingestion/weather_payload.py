"""The weather payload, one parser for API pages and landing files alike.

    {"date": "2013-01-01",            the local day the observations belong to
     "observations": [{...}, ...],    hourly observations, fields as in schemas/weather.json
     "next_page": "/v1/weather?..."}  API only: URL of the next page (relative to this one), null or absent on the last

A page that is not JSON, or not this shape, is an error naming where it came from; a single observation that
is not an object is not: it becomes a row to quarantine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

SNIPPET = 120


class PayloadError(Exception):
    """A page or file is not a weather payload; the message says where and what is wrong."""


@dataclass(frozen=True)
class WeatherPage:
    day: date
    observations: list[Any]
    next_page: str | None
    source: str
    page: int = 1
    modified: datetime | None = None  # when the source says the payload last changed, if it says


def parse_weather_page(
    body: bytes, source: str, expected_day: date, page: int = 1, modified: datetime | None = None
) -> WeatherPage:
    where = f"{source} (page {page})" if page > 1 else source
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PayloadError(f"{where}: not UTF-8 text at byte {error.start}: {_snippet(body)}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadError(
            f"{where}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno}, {len(body)} bytes"
            f"{', truncated?' if 'Expecting' in error.msg or 'Unterminated' in error.msg else ''}): {_snippet(body)}"
        ) from None
    except RecursionError:
        raise PayloadError(f"{where}: JSON nested too deeply to be a weather payload") from None
    if not isinstance(document, dict):
        raise PayloadError(f"{where}: expected a JSON object with 'date' and 'observations', got {type(document).__name__}")
    missing = [key for key in ("date", "observations") if key not in document]
    if missing:
        raise PayloadError(f"{where}: missing key(s) {', '.join(missing)}; keys present: {', '.join(sorted(document)) or 'none'}")
    try:
        day = date.fromisoformat(str(document["date"]))
    except ValueError:
        raise PayloadError(f"{where}: 'date' is {document['date']!r}, not a YYYY-MM-DD date") from None
    if day != expected_day:
        raise PayloadError(f"{where}: payload is for {day}, but {expected_day} was asked for")
    observations = document["observations"]
    if not isinstance(observations, list):
        raise PayloadError(f"{where}: 'observations' must be a list, got {type(observations).__name__}")
    next_page = document.get("next_page")
    if next_page is not None and not (isinstance(next_page, str) and next_page.strip()):
        raise PayloadError(f"{where}: 'next_page' must be a URL or null, got {next_page!r}")
    return WeatherPage(day=day, observations=observations, next_page=next_page, source=source, page=page, modified=modified)


def _snippet(body: bytes) -> str:
    shown = body[:SNIPPET].decode("utf-8", errors="replace")
    return repr(shown) + (" …" if len(body) > SNIPPET else "")


def read_weather_file(path: str, day: date, modified: datetime | None = None) -> WeatherPage:
    """A landing-zone weather file: the same payload, one page."""
    import fsspec

    with fsspec.open(path, "rb") as handle:
        return parse_weather_page(handle.read(), path, day, modified=modified)
