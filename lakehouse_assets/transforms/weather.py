"""Silver weather: one observation per origin airport and UTC hour, imperial units as delivered."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, renamed
from .flights import latest_delivery

NATURAL_KEY = ("origin", "observed_hour_utc")
# Latest copy first: the page or file delivered last, then its later record.
_DELIVERY_ORDER = ("_source_modified_at", "_source_file", "_page", "_record")

# Units of the measurements, kept as delivered (US conventions of the source stations).
UNITS = {
    "temp_f": "°F",
    "dewpoint_f": "°F",
    "humidity_pct": "%",
    "wind_dir_deg": "degrees from true north",
    "wind_speed_mph": "mph",
    "wind_gust_mph": "mph",
    "precip_in": "inches in the hour",
    "pressure_mb": "millibars (sea level)",
    "visibility_mi": "miles",
}
_SOURCE_NAMES = {
    "temp_f": "temp",
    "dewpoint_f": "dewp",
    "humidity_pct": "humid",
    "wind_dir_deg": "wind_dir",
    "wind_speed_mph": "wind_speed",
    "wind_gust_mph": "wind_gust",
    "precip_in": "precip",
    "pressure_mb": "pressure",
    "visibility_mi": "visib",
}


def clean_weather(bronze: DataFrame) -> DataFrame:
    """Hourly observations keyed by origin and UTC hour (local hours repeat when clocks fall back).

    Column names carry their unit; the units are also column comments in the Delta table.
    """
    typed = bronze.select(
        F.col("observation_date").cast("date"),
        F.upper(F.trim("origin")).alias("origin"),
        F.date_trunc("hour", F.col("time_hour")).alias("observed_hour_utc"),
        F.col("hour").cast("int").alias("local_hour"),
        *[
            F.col(source).cast("double").alias(name, metadata={"comment": f"[{UNITS[name]}]"})
            for name, source in _SOURCE_NAMES.items()
        ],
        *_DELIVERY_ORDER,
    )
    return latest_delivery(typed, NATURAL_KEY, _DELIVERY_ORDER)


LINEAGE: ColumnLineage = renamed(
    "bronze/weather",
    {
        "observation_date": "observation_date", "origin": "origin", "observed_hour_utc": "time_hour",
        "local_hour": "hour", **_SOURCE_NAMES,
    },
)  # fmt: skip
