"""The weather payload's envelope parsed on its own: what it accepts and how its problems are named."""

import json
from datetime import date

import pytest

from lakehouse_assets.ingestion.weather_payload import PayloadError, WeatherPage, parse_weather_page

DAY = date(2013, 1, 1)
SOURCE = "http://127.0.0.1/v1/weather?date=2013-01-01"


def test_observations_are_kept_as_sent_and_keys_beyond_the_envelope_ignored() -> None:
    observations = [{"origin": "EWR", "hour": 1}, "not an object", 3]  # typed later, one row each
    body = json.dumps({"date": "2013-01-01", "observations": observations, "next_page": "/p2", "total_observations": 3})
    parsed = parse_weather_page(body.encode(), SOURCE, DAY, page=2)
    assert parsed == WeatherPage(DAY, observations, "/p2", SOURCE, page=2)


def test_every_problem_of_a_page_is_named_in_one_message() -> None:
    body = b'{"date": "2013-01-02", "observations": {"origin": "EWR"}, "next_page": ""}'
    with pytest.raises(PayloadError) as error:
        parse_weather_page(body, SOURCE, DAY, page=3)
    assert str(error.value) == (
        f"{SOURCE} (page 3): payload is for 2013-01-02, but 2013-01-01 was asked for; "
        "'observations' must be a list, got dict; 'next_page' must be a URL or null, got ''"
    )


@pytest.mark.parametrize("written", ["2013-01-01T00:00:00", 1356998400, "20130101", "2013-W01-2", "2013-1-1"])
def test_the_date_is_read_only_when_written_yyyy_mm_dd(written) -> None:
    body = json.dumps({"date": written, "observations": []}).encode()
    with pytest.raises(PayloadError, match=r"'date' is .*, not a YYYY-MM-DD date"):
        parse_weather_page(body, SOURCE, DAY)
