"""landing_files_sensor: a new, late or rewritten landing file runs its day's ingestion, exactly once."""

from collections.abc import Iterable, Sequence
from datetime import date

import dagster as dg

from ..landing.changes import LANDING_DIGEST, LandingCursor, advance, changed_days, day_digests, not_yet_ingested
from ..landing.layout import list_feed
from ..resources.landing import LandingZone
from ..settings.feeds import Feed

SENSOR_NAME = "landing_files_sensor"


def feed_assets(feed: Feed) -> tuple[dg.AssetKey, ...]:
    """What a day's files feed: the bronze tables they load (with their quarantine/ledger siblings) and the silver
    table feeds.json names. Everything further down follows its upstream partitions through automation conditions."""
    silver = [dg.AssetKey(feed.silver.split("/"))] if feed.silver else []
    return (*[dg.AssetKey(["bronze", name]) for name in feed.bronze_tables], *silver)


def ingested_digests(instance: dg.DagsterInstance, feed: str, days: Iterable[date]) -> dict[date, str]:
    """Digest of the files each day's latest bronze materialisation was built from (days never built are absent)."""
    wanted = {day.isoformat() for day in days}
    found: dict[date, str] = {}
    cursor = None
    while wanted - {day.isoformat() for day in found}:
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(["bronze", feed]), asset_partitions=sorted(wanted)),
            limit=1000,
            cursor=cursor,
        )
        for record in page.records:  # newest first: the first one seen per day is its latest
            materialization = record.asset_materialization
            day = date.fromisoformat(materialization.partition)
            if day not in found:
                digest = materialization.metadata.get(LANDING_DIGEST)
                found[day] = digest.value if digest else ""
        if not page.has_more:
            break
        cursor = page.cursor
    return found


def build_landing_sensor(
    daily: dg.TimeWindowPartitionsDefinition, feeds: Sequence[Feed], max_days_per_tick: int = 31
) -> dg.SensorDefinition:
    first = date.fromisoformat(daily.get_first_partition_key())
    last = date.fromisoformat(daily.get_last_partition_key())
    targets = {feed.name: feed_assets(feed) for feed in feeds}
    names = list(targets)
    keys = [key for feed_keys in targets.values() for key in feed_keys]

    @dg.sensor(
        name=SENSOR_NAME,
        target=dg.AssetSelection.assets(*keys),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Watches the landing zone ({', '.join(names)}). Each day with a new, late, rewritten or removed file "
            "gets one run that re-ingests that day through silver, unless bronze already holds exactly those file "
            "versions. Run keys follow the file versions, so a day never runs twice for the same files. "
            f"At most {max_days_per_tick} days per tick."
        ),
    )
    def landing_files_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
        cursor = LandingCursor.parse(context.cursor)
        current, strays = {}, []
        for feed in names:
            files, misplaced = list_feed(landing.root, feed, landing.file_glob(feed))
            current[feed] = day_digests(files)
            strays += misplaced
        changes, outside = changed_days(current, cursor, first, last)
        if strays:
            context.log.warning(f"{len(strays)} file(s) not in a YYYY-MM-DD folder are ignored, e.g. {strays[0]}")
        if outside:
            context.log.warning(f"files for {len(outside)} day(s) outside the partitions {first}..{last} are ignored")
        considered = changes[:max_days_per_tick]
        ingested = {feed: ingested_digests(context.instance, feed, [c.day for c in considered if feed in c.feeds]) for feed in names}
        requested = [change for change in (not_yet_ingested(c, ingested) for c in considered) if change is not None]
        for change in requested:
            yield dg.RunRequest(
                run_key=change.run_key,
                partition_key=change.day.isoformat(),
                asset_selection=[key for feed in change.feeds for key in targets[feed]],
                tags={"lakehouse/trigger": "landing", "lakehouse/feeds": ",".join(change.feeds)},
            )
        if len(changes) > len(considered):
            context.log.info(f"{len(changes) - len(considered)} more changed day(s) wait for the next tick")
        if not requested:
            yield dg.SkipReason(f"no landing files to ingest ({len(changes)} changed day(s), all already in bronze)")
        # Days already in bronze are recorded too, so they are not looked up again.
        context.update_cursor(advance(cursor, considered).serialize())

    return landing_files_sensor
