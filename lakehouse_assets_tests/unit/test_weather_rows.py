import json
from datetime import date

import pytest

from lakehouse_assets.ingestion.conformance import loaded_rows, quarantined_rows, tally
from lakehouse_assets.ingestion.contracts import RESCUED, VIOLATION
from lakehouse_assets.ingestion.weather import PROVENANCE, weather_rows
from lakehouse_assets.ingestion.weather_payload import PayloadError, WeatherPage
from lakehouse_assets_tests.feeds import WEATHER_CONTRACT as WEATHER

DAY = date(2013, 2, 28)


def observation(**changes):
    base = {"origin": "EWR", "year": 2013, "month": 2, "day": 28, "hour": 5, "temp": 39.02, "wind_gust": None,
            "time_hour": "2013-02-28T10:00:00Z"}  # fmt: skip
    return {**base, **changes}


def page(*observations, number: int = 1) -> WeatherPage:
    return WeatherPage(day=DAY, observations=list(observations), next_page=None, source="http://api/v1/weather", page=number)


def test_good_observations_are_typed_and_dated_by_the_day_asked_for(spark) -> None:
    typed = weather_rows(spark, [page(observation(), observation(hour=6))], WEATHER)
    rows = loaded_rows(typed).orderBy("hour").collect()
    assert [(row.observation_date, row.hour, row.temp, row[RESCUED]) for row in rows] == [
        (DAY, 5, 39.02, None),
        (DAY, 6, 39.02, None),
    ]
    assert [row._record for row in rows] == [0, 1] and rows[0]._source_file == "http://api/v1/weather"


def test_bad_observations_are_quarantined_with_a_reason_and_nothing_is_lost(spark) -> None:
    observations = [
        observation(),
        observation(temp="hot", humid=[1, 2]),  # non-key misfits: rescued, the row loads
        observation(hour="five"),
        observation(day=29, month=2),  # 2013-02-29 does not exist
        observation(day=27),  # another day's observation
        "EWR,2013,2,28,5",  # not an object
        observation(origin=None),
    ]
    typed = weather_rows(spark, [page(*observations)], WEATHER)
    counts = tally(typed)
    assert (counts.read, counts.loaded, counts.quarantined, counts.rescued) == (7, 2, 5, 1)
    rescued = loaded_rows(typed).where(f"{RESCUED} is not null").first()
    assert json.loads(rescued[RESCUED]) == {"temp": "hot", "humid": "[1, 2]"}
    reasons = {row._record: row._quarantine_reason for row in quarantined_rows(typed, PROVENANCE).collect()}
    assert reasons == {
        2: "key field hour does not fit the contract: five",
        3: "year/month/day 2013-2-29 is not a calendar date",
        4: "observation for 2013-02-27 delivered for 2013-02-28",
        5: "observation is a JSON str, not an object",
        6: "missing key field origin",
    }
    raw = quarantined_rows(typed, PROVENANCE).where("_record = 5").first()
    assert json.loads(raw._raw) == "EWR,2013,2,28,5" and raw.observation_date == DAY


@pytest.mark.parametrize("policy", ["rescue", "fail", "add"])
def test_unknown_fields_follow_the_drift_policy(spark, policy) -> None:
    pages = [page(observation(), observation(hour=6, snow_depth=2.5))]
    if policy == "fail":
        with pytest.raises(PayloadError, match=r"http://api/v1/weather \(page 1, observation 1\): field\(s\) snow_depth not in"):
            weather_rows(spark, pages, WEATHER, policy)
        return
    typed = weather_rows(spark, pages, WEATHER, policy)
    row = loaded_rows(typed).where("hour = 6").first()
    if policy == "rescue":
        assert "snow_depth" not in typed.columns and json.loads(row[RESCUED]) == {"snow_depth": "2.5"}
    else:
        assert row.snow_depth == "2.5" and row[RESCUED] is None
    assert typed.where(f"{VIOLATION} is not null").count() == 0


def test_hostile_values_are_kept_verbatim_not_lost(spark) -> None:
    nested = json.loads("[" * 500 + "]" * 500)
    huge = "9" * 2_000_000
    typed = weather_rows(spark, [page(observation(temp=nested), observation(hour=6, origin="E\x00R"), observation(hour=7, dewp=huge))], WEATHER)
    counts = tally(typed)
    assert (counts.read, counts.loaded, counts.quarantined) == (3, 2, 1)
    rescued = {row.hour: json.loads(row[RESCUED]) for row in loaded_rows(typed).collect()}
    assert rescued[5] == {"temp": json.dumps(nested)} and rescued[7] == {"dewp": huge}
    (bad,) = quarantined_rows(typed, PROVENANCE).collect()
    assert bad._quarantine_reason == "key field origin does not fit the contract: E\x00R"
