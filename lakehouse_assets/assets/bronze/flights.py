"""bronze/flights, bronze/flights_quarantine, bronze/flights_file_ledger: the airline ops feed's daily CSV files.

One step reads a range's files once and writes all three tables; then, in the same step, a blocking check
proves on the committed tables that every row read was loaded or quarantined, once.
"""

from datetime import UTC, date, datetime

import dagster as dg

from ...checks.conservation import conservation_spec, rows_conserved
from ...checks.names import ROWS_CONSERVED
from ...ingestion.conservation import day_balances, ledger_reads
from ...ingestion.csv_header import DriftError
from ...ingestion.file_ledger import PARTITION_COLUMN as LEDGER_PARTITION_COLUMN
from ...ingestion.file_ledger import REJECTED, ledger_table, partition_figures
from ...ingestion.flight_files import FEED, PARTITION_COLUMN, ingest_flight_files
from ...landing.changes import LANDING_DIGEST, day_digests
from ...partitions import day_window, window_text
from ...resources.delta_io_manager import ALLOW_SCHEMA_CHANGE
from ...resources.landing import LandingZone
from ...resources.spark import SparkResource
from ...resources.warehouse import Warehouse
from ..common import delta_out, spark_multi_asset

FLIGHTS = dg.AssetKey(["bronze", "flights"])
QUARANTINE = dg.AssetKey(["bronze", "flights_quarantine"])
LEDGER = dg.AssetKey(["bronze", ledger_table(FEED)])
CONSERVATION_CHECK = ROWS_CONSERVED


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_multi_asset(
        name="bronze__flights",
        partitions_def=daily,
        outs={
            "flights": delta_out(
                key=FLIGHTS.path,
                partition_column=PARTITION_COLUMN,
                description="Flights as the ops feed delivered them, typed by schemas/flights.json; values that did "
                "not fit are kept in _rescued_data; with source file, line, modification time and ingestion time.",
            ),
            "flights_quarantine": delta_out(
                key=QUARANTINE.path,
                partition_column=PARTITION_COLUMN,
                description="Lines that could not be loaded: the raw line (raw_bytes too when not UTF-8), file, "
                "line number and the reason.",
            ),
            "flights_file_ledger": delta_out(
                key=LEDGER.path,
                partition_column=LEDGER_PARTITION_COLUMN,
                description="Every landing file of each day: path, size, mtime, sha256, loaded or rejected (and "
                "why), rows read/loaded/quarantined, columns missing or extra, when it was ingested.",
            ),
        },
        check_specs=[
            conservation_spec(
                FLIGHTS,
                "Per day of the run: rows read (file ledger) = rows in bronze/flights + rows in "
                "bronze/flights_quarantine, on the committed tables. Blocks downstream assets when it fails.",
            )
        ],
    )
    def bronze_flights(
        context: dg.AssetExecutionContext, spark: SparkResource, landing: LandingZone, warehouse: Warehouse
    ):
        start, end = day_window(context)
        missing = landing.missing_days(FEED, start, end)
        if missing:
            shown = ", ".join(day.isoformat() for day in missing[:5]) + (" …" if len(missing) > 5 else "")
            raise dg.Failure(
                f"no flights file landed for {len(missing)} day(s): {shown} under {landing.root}/flights/; "
                "run `lakehouse seed` or wait for the feed"
            )
        files = landing.files(FEED, start, end)
        policy = landing.drift_policy(FEED)
        context.log.info(f"reading {len(files)} flights file(s) for {start}..{end} (drift policy {policy})")
        try:
            result = ingest_flight_files(
                spark.session, files, ingested_at=datetime.now(UTC), drift_policy=policy
            )
        except DriftError as error:
            raise dg.Failure(description=str(error)) from None
        _report_partitions(context, daily, result.entries, day_digests(files))
        bronze_metadata = {"drift_policy": policy}
        if policy == "add":
            bronze_metadata |= {ALLOW_SCHEMA_CHANGE: True, "added_columns": ", ".join(result.added_columns) or "none"}
        yield dg.Output(result.bronze, "flights", metadata=bronze_metadata)
        yield dg.Output(result.quarantine, "flights_quarantine")
        yield dg.Output(result.ledger, "flights_file_ledger")
        read = ledger_reads(spark.session, warehouse.ref(LEDGER), (start, end))
        balances = day_balances(
            spark.session,
            read,
            loaded=warehouse.ref(FLIGHTS),
            quarantine=warehouse.ref(QUARANTINE),
            column=PARTITION_COLUMN,
            window=(start, end),
            every_day_delivered=True,
        )
        yield rows_conserved(FLIGHTS, balances, window_text((start, end)))

    return [bronze_flights]


def _report_partitions(
    context: dg.AssetExecutionContext, daily: dg.DailyPartitionsDefinition, entries, digests: dict[date, str]
) -> None:
    """Each partition's materialisation shows its own figures (rows read = loaded + quarantined, files) and
    the digest of the file versions it ingested, which the landing sensor compares against."""
    figures = partition_figures(entries)
    for key in context.partition_keys:
        day: date = daily.time_window_for_partition_key(key).start.date()
        metadata: dict[str, object] = {**figures.get(day, {}), LANDING_DIGEST: digests.get(day, "")}
        rejected = [entry for entry in entries if entry.partition_date == day and entry.status == REJECTED]
        if rejected:
            metadata["rejected_files"] = dg.MetadataValue.md(
                "\n".join(f"- `{entry.path}`: {entry.reason}" for entry in rejected)
            )
            context.log.warning(f"{key}: {len(rejected)} file(s) rejected; see bronze/{ledger_table(FEED)}")
        context.add_asset_metadata(metadata, asset_key=FLIGHTS, partition_key=key)
