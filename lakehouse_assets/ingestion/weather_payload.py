"""The weather payload, one parser for API pages and landing files alike.

    {"date": "2013-01-01",            the local day the observations belong to
     "observations": [{...}, ...],    hourly observations, fields as in schemas/weather.json
     "next_page": "/v1/weather?..."}  API only: URL of the next page (relative to this one), null or absent on the last

A page that is not JSON, or not this shape (checked by a pydantic model), is an error naming where it came from
and every problem of the shape; a single observation that is not an object is not: it becomes a row to quarantine.
"""

from __future__ import annotations

import json
import re
import reprlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

SNIPPET = 120
YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


class _Envelope(BaseModel):
    """What a page must be around its observations; each observation is typed later, as a row or a quarantined one."""

    model_config = ConfigDict(strict=True)  # JSON values as sent: no number for a string, no object for a list
    day: date = Field(alias="date", strict=False)  # JSON has no dates: this one is read from text
    observations: list[Any]
    next_page: Annotated[str, StringConstraints(pattern=r"\S")] | None = None

    @field_validator("day", mode="before")
    @classmethod
    def _written_as_yyyy_mm_dd(cls, value: Any) -> Any:
        # pydantic would also read a midnight timestamp or a Unix time as a date; the payload says a day one way
        if not (isinstance(value, str) and YYYY_MM_DD.fullmatch(value)):
            raise PydanticCustomError("date_format", "not written YYYY-MM-DD")
        return value

    @field_validator("day")
    @classmethod
    def _is_the_day_asked_for(cls, day: date, info: ValidationInfo) -> date:
        expected = info.context["expected_day"]
        if day != expected:
            message = "payload is for {found}, but {expected} was asked for"
            raise PydanticCustomError("wrong_day", message, {"found": str(day), "expected": str(expected)})
        return day


def parse_weather_page(
    body: bytes, source: str, expected_day: date, page: int = 1, modified: datetime | None = None
) -> WeatherPage:
    where = f"{source} (page {page})" if page > 1 else source
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PayloadError(f"{where}: not UTF-8 text at byte {error.start}: {_snippet(body)}") from None
    try:
        document = json.loads(text)  # not pydantic's parser: its messages and nesting limit differ from json's
    except json.JSONDecodeError as error:
        raise PayloadError(
            f"{where}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno}, {len(body)} bytes"
            f"{', truncated?' if 'Expecting' in error.msg or 'Unterminated' in error.msg else ''}): {_snippet(body)}"
        ) from None
    except RecursionError:
        raise PayloadError(f"{where}: JSON nested too deeply to be a weather payload") from None
    try:
        envelope = _Envelope.model_validate(document, context={"expected_day": expected_day})
    except ValidationError as error:
        raise PayloadError(f"{where}: {_problems(error, document)}") from None
    return WeatherPage(envelope.day, envelope.observations, envelope.next_page, source=source, page=page, modified=modified)


def _problems(error: ValidationError, document: Any) -> str:
    """pydantic's errors said as the payload's keys and what was found in them, all in one line."""
    found = error.errors(include_url=False)
    missing = [str(problem["loc"][0]) for problem in found if problem["type"] == "missing"]
    problems = [_problem(problem) for problem in found if problem["type"] != "missing"]
    if missing:
        present = ", ".join(sorted(document)) or "none"
        problems.insert(0, f"missing key(s) {', '.join(missing)}; keys present: {present}")
    return "; ".join(problems)


def _problem(problem: ErrorDetails) -> str:
    key, value = ".".join(map(str, problem["loc"])), problem["input"]
    if not key:
        return f"expected a JSON object with 'date' and 'observations', got {type(value).__name__}"
    if problem["type"] == "wrong_day":
        return problem["msg"]
    if key == "date":
        reason = problem.get("ctx", {}).get("error")
        return f"'date' is {_shown(value)}, not a YYYY-MM-DD date{f' ({reason})' if reason else ''}"
    if key == "observations":
        return f"'observations' must be a list, got {type(value).__name__}"
    if key == "next_page":
        return f"'next_page' must be a URL or null, got {_shown(value)}"
    return f"'{key}': {problem['msg']}, got {_shown(value)}"


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = SNIPPET  # a value in a message stays short, however long or deep it is


def _shown(value: Any) -> str:
    return _SHOWN.repr(value)


def _snippet(body: bytes) -> str:
    shown = body[:SNIPPET].decode("utf-8", errors="replace")
    return repr(shown) + (" …" if len(body) > SNIPPET else "")


def read_weather_file(path: str, day: date, modified: datetime | None = None) -> WeatherPage:
    """A landing-zone weather file: the same payload, one page."""
    import fsspec

    with fsspec.open(path, "rb") as handle:
        return parse_weather_page(handle.read(), path, day, modified=modified)
