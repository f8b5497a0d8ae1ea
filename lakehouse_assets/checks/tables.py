"""The tables under quality checks: natural keys, date columns, columns that should rarely be null."""

from dataclasses import dataclass

import dagster as dg

from ..transforms import features, flights, weather


@dataclass(frozen=True)
class CheckedTable:
    key: tuple[str, str]
    natural_key: tuple[str, ...]
    partition_column: str | None = None
    mostly_present: tuple[str, ...] = ()

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(list(self.key))


CHECKED_TABLES = (
    CheckedTable(
        ("silver", "flights"),
        flights.NATURAL_KEY,
        "flight_date",
        ("tailnum", "dest", "distance", "sched_dep_utc", "sched_arr_time"),
    ),
    CheckedTable(
        ("silver", "weather"),
        weather.NATURAL_KEY,
        "observation_date",
        ("temp_f", "humidity_pct", "wind_speed_mph", "precip_in", "visibility_mi"),
    ),
    CheckedTable(("silver", "airlines"), ("carrier",), None, ("name",)),
    CheckedTable(("silver", "airports"), ("faa",), None, ("name", "lat", "lon")),
    CheckedTable(("silver", "planes"), ("tailnum",), None, ("seats", "engines")),
    CheckedTable(
        ("features", "flight_features"),
        features.KEY_COLUMNS,
        "flight_date",
        ("carrier_delay_rate_28d", "origin_delay_rate_7d", "wx_temp_f", "wx_visibility_mi", "distance"),
    ),
)
