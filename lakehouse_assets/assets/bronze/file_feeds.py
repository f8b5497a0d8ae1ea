"""bronze/<feed>, bronze/<feed>_quarantine, bronze/<feed>_file_ledger for every file feed of config/feeds.json.

One step reads a range's files once and writes all three tables; then, in the same step, a blocking check
proves on the committed tables that every row read was loaded or quarantined, once, and the checks the feed's
entry asks for (natural key, null rates, volume) judge the run's days of bronze/<feed>. The airline ops feed
(bronze/flights) is one of these feeds; a user's feed is another entry in feeds.json, with no code.
"""

from datetime import UTC, date, datetime

import dagster as dg

from ...checks.base import Committed, TableCheck, evaluate, results
from ...checks.conservation import conservation_spec, rows_conserved
from ...checks.keys import key_checks
from ...checks.names import ROWS_CONSERVED
from ...checks.nulls import null_rate_limits_check
from ...checks.volume import volume_checks
from ...ingestion.conservation import day_balances, ledger_reads
from ...ingestion.csv_header import DriftError
from ...ingestion.file_feed import FileFeed, ingest_feed_files
from ...ingestion.file_ledger import PARTITION_COLUMN as LEDGER_PARTITION_COLUMN
from ...ingestion.file_ledger import REJECTED, ledger_table, partition_figures
from ...landing.changes import LANDING_DIGEST, day_digests
from ...partitions import day_window, window_text
from ...resources.delta_io_manager import ALLOW_SCHEMA_CHANGE
from ...resources.landing import LandingZone
from ...resources.spark import SparkResource
from ...resources.warehouse import Warehouse
from ...settings.feeds import FeedChecks
from ...settings.models import QualitySettings
from ..common import delta_out, spark_multi_asset


def feed_keys(feed: str) -> tuple[dg.AssetKey, dg.AssetKey, dg.AssetKey]:
    """bronze/<feed>, bronze/<feed>_quarantine, bronze/<feed>_file_ledger."""
    return (
        dg.AssetKey(["bronze", feed]),
        dg.AssetKey(["bronze", f"{feed}_quarantine"]),
        dg.AssetKey(["bronze", ledger_table(feed)]),
    )


def declared_checks(feed: FileFeed, quality: QualitySettings) -> list[TableCheck]:
    """The checks of bronze/<feed> its feeds.json entry asks for."""
    asked: FeedChecks = feed.checks
    checks = key_checks(feed.contract.natural_key, blocking=asked.natural_key == "blocking") if asked.natural_key else []
    if asked.max_null_rate:
        checks.append(null_rate_limits_check(asked.max_null_rate))
    return checks + volume_checks(quality) if asked.volume else checks


def build_file_feed(daily: dg.DailyPartitionsDefinition, feed: FileFeed, quality: QualitySettings) -> dg.AssetsDefinition:
    loaded_key, quarantine_key, ledger_key = feed_keys(feed.name)
    table_checks = declared_checks(feed, quality)
    name = feed.name
    row_day = f" A row dated ({', '.join(feed.row_day)}) outside its folder's day is quarantined." if feed.row_day else ""

    @spark_multi_asset(
        name=f"bronze__{name}",
        partitions_def=daily,
        outs={
            name: delta_out(
                key=loaded_key.path,
                partition_column=feed.partition_column,
                description=feed.description
                or f"The {name} feed's rows as delivered, typed by its contract; values that did not fit are kept "
                "in _rescued_data; with source file, line, modification time and ingestion time." + row_day,
            ),
            f"{name}_quarantine": delta_out(
                key=quarantine_key.path,
                partition_column=feed.partition_column,
                description="Records that could not be loaded: the raw line or JSON record (raw_bytes too when "
                "not UTF-8), file, line number (a JSON array's: the element's position) and the reason.",
            ),
            ledger_table(name): delta_out(
                key=ledger_key.path,
                partition_column=LEDGER_PARTITION_COLUMN,
                description="Every landing file of each day: path, size, mtime, sha256, loaded or rejected (and "
                "why), rows read/loaded/quarantined, columns missing or extra, when it was ingested.",
            ),
        },
        check_specs=[
            conservation_spec(
                loaded_key,
                f"Per day of the run: rows read (file ledger) = rows in bronze/{name} + rows in "
                f"bronze/{name}_quarantine, on the committed tables. Blocks downstream assets when it fails.",
                daily,
            ),
            *[check.spec(loaded_key, daily) for check in table_checks],
        ],
    )
    def ingest_feed(context: dg.AssetExecutionContext, spark: SparkResource, landing: LandingZone, warehouse: Warehouse):
        start, end = day_window(context)
        missing = landing.missing_days(name, start, end)
        if missing and feed.missing_day == "fail":
            shown = ", ".join(day.isoformat() for day in missing[:5]) + (" …" if len(missing) > 5 else "")
            raise dg.Failure(
                f"no {name} file landed for {len(missing)} day(s): {shown} under {landing.root}/{name}/; wait for "
                "the feed (`lakehouse seed` lands the shipped feeds' days), or, if the source has nothing to deliver "
                "on some days, set \"missing_day\": \"empty\" in its config/feeds.json entry"
            )
        if missing:
            context.log.info(f"{len(missing)} day(s) without {name} files hold no rows (missing_day: empty)")
        files = landing.files(name, start, end)
        policy = landing.drift_policy(name)
        context.log.info(f"reading {len(files)} {name} file(s) for {start}..{end} (drift policy {policy})")
        try:
            result = ingest_feed_files(spark.session, feed, files, ingested_at=datetime.now(UTC), drift_policy=policy)
        except DriftError as error:
            raise dg.Failure(description=str(error)) from None
        _report_partitions(context, daily, loaded_key, result.entries, day_digests(files))
        bronze_metadata = {"drift_policy": policy}
        if policy == "add":
            bronze_metadata |= {ALLOW_SCHEMA_CHANGE: True, "added_columns": ", ".join(result.added_columns) or "none"}
        yield dg.Output(result.bronze, name, metadata=bronze_metadata)
        yield dg.Output(result.quarantine, f"{name}_quarantine")
        yield dg.Output(result.ledger, ledger_table(name))
        read = ledger_reads(spark.session, warehouse.ref(ledger_key), (start, end))
        balances = day_balances(
            spark.session,
            read,
            loaded=warehouse.ref(loaded_key),
            quarantine=warehouse.ref(quarantine_key),
            column=feed.partition_column,
            window=(start, end),
            every_day_delivered=feed.missing_day == "fail",
        )
        targets = {}  # each day's materialisation, looked up once for all of the table's checks
        yield from results(context, loaded_key, ROWS_CONSERVED, rows_conserved(balances), window_text((start, end)), targets)
        yield from evaluate(context, table_checks, Committed(loaded_key, warehouse, (start, end), feed.partition_column), targets)

    return ingest_feed


def _report_partitions(
    context: dg.AssetExecutionContext, daily: dg.DailyPartitionsDefinition, key: dg.AssetKey, entries, digests: dict[date, str]
) -> None:
    """Each partition's materialisation shows its own figures (rows read = loaded + quarantined, files) and
    the digest of the file versions it ingested, which the landing sensor compares against."""
    figures = partition_figures(entries)
    for partition in context.partition_keys:
        day: date = daily.time_window_for_partition_key(partition).start.date()
        metadata: dict[str, object] = {**figures.get(day, {}), LANDING_DIGEST: digests.get(day, "")}
        rejected = [entry for entry in entries if entry.partition_date == day and entry.status == REJECTED]
        if rejected:
            metadata["rejected_files"] = dg.MetadataValue.md(
                "\n".join(f"- `{entry.path}`: {entry.reason}" for entry in rejected)
            )
            context.log.warning(f"{partition}: {len(rejected)} file(s) rejected; see bronze/{key.path[-1]}_file_ledger")
        context.add_asset_metadata(metadata, asset_key=key, partition_key=partition)
