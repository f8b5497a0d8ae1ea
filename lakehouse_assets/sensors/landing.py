"""landing_files_sensor: a new, late or rewritten landing file runs its day's ingestion, exactly once."""

from datetime import date

import dagster as dg

from ..landing.changes import LandingCursor, advance, changed_days, day_digests
from ..landing.layout import FEEDS, list_feed
from ..resources.landing import LandingZone

SENSOR_NAME = "landing_files_sensor"
# What a day's files feed: the bronze tables they load (with their quarantine/ledger siblings) and silver.
# Everything further down follows its upstream partitions through automation conditions.
FEED_ASSETS = {
    "flights": (
        ("bronze", "flights"), ("bronze", "flights_quarantine"), ("bronze", "flights_file_ledger"), ("silver", "flights"),
    ),
    "weather": (("bronze", "weather"), ("bronze", "weather_quarantine"), ("silver", "weather")),
}  # fmt: skip


def build_landing_sensor(daily: dg.TimeWindowPartitionsDefinition, max_days_per_tick: int = 31) -> dg.SensorDefinition:
    first = date.fromisoformat(daily.get_first_partition_key())
    last = date.fromisoformat(daily.get_last_partition_key())
    keys = [dg.AssetKey(list(key)) for feed_keys in FEED_ASSETS.values() for key in feed_keys]

    @dg.sensor(
        name=SENSOR_NAME,
        target=dg.AssetSelection.assets(*keys),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Lists the landing zone; each day with a new, late, rewritten or removed file gets one run that "
            "re-ingests that day (flights and/or weather) through silver. Run keys follow the files' versions, "
            f"so a day is never run twice for the same files. At most {max_days_per_tick} days per tick."
        ),
    )
    def landing_files_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
        cursor = LandingCursor.parse(context.cursor)
        current, strays = {}, []
        for feed in FEEDS:
            files, misplaced = list_feed(landing.root, feed)
            current[feed] = day_digests(files)
            strays += misplaced
        changes, outside = changed_days(current, cursor, first, last)
        if strays:
            context.log.warning(f"{len(strays)} file(s) not in a YYYY-MM-DD folder are ignored, e.g. {strays[0]}")
        if outside:
            context.log.warning(f"files for {len(outside)} day(s) outside the partitions {first}..{last} are ignored")
        requested = changes[:max_days_per_tick]
        for change in requested:
            yield dg.RunRequest(
                run_key=change.run_key,
                partition_key=change.day.isoformat(),
                asset_selection=[dg.AssetKey(list(key)) for feed in change.feeds for key in FEED_ASSETS[feed]],
                tags={"lakehouse/trigger": "landing", "lakehouse/feeds": ",".join(change.feeds)},
            )
        if len(changes) > len(requested):
            context.log.info(f"{len(changes) - len(requested)} more changed day(s) wait for the next tick")
        if not requested:
            yield dg.SkipReason(f"no new or changed landing files ({sum(len(d) for d in current.values())} day-feeds seen)")
        context.update_cursor(advance(cursor, requested).serialize())

    return landing_files_sensor
