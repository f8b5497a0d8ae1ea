"""bronze/<table> and bronze/<table>_quarantine for each jdbc feed of config/feeds.json (airlines, airports, planes
and any table a user declares), read from the reference database of the environment."""

import dagster as dg
from pyspark.sql import functions as F

from ...checks.base import results
from ...checks.conservation import conservation_spec, rows_conserved
from ...checks.names import ROWS_CONSERVED
from ...ingestion.conservation import Read, load_balance
from ...ingestion.jdbc import INGESTED_AT, SourceTableError
from ...ingestion.reference import ReferenceLoad, TableFeed, high_watermark, load_reference_table
from ...resources.delta_io_manager import ALLOW_SCHEMA_CHANGE, MERGE_KEYS
from ...resources.reference_db import ReferenceDatabase
from ...resources.spark import SparkResource
from ...resources.warehouse import Warehouse
from ..common import REFERENCE_REFRESH, delta_outs, output_name, spark_multi_asset


def reference_table_asset(feed: TableFeed) -> dg.AssetsDefinition:
    table = feed.name
    key, quarantine_key = ["bronze", table], ["bronze", f"{table}_quarantine"]

    @spark_multi_asset(
        name=f"bronze_{table}",
        outs=delta_outs(
            (key, feed.description or f"{table.capitalize()} from the reference database, typed by its contract."),
            (quarantine_key, f"{table.capitalize()} rows that broke the contract: the raw row and the reason."),
            tags=REFERENCE_REFRESH,
        ),
        check_specs=[
            conservation_spec(
                dg.AssetKey(key), "Rows read by this load = its rows in the table + its rows in the quarantine, as committed."
            )
        ],
    )
    def ingest(context: dg.AssetExecutionContext, spark: SparkResource, reference_db: ReferenceDatabase, warehouse: Warehouse):
        session = spark.session
        settings = reference_db.table(table)
        if settings.watermark_column:
            since = high_watermark(*(warehouse.read(k) if warehouse.exists(k) else None for k in (key, quarantine_key)))
        else:
            since = None
        try:
            load = load_reference_table(
                session, reference_db.source(), table, settings, reference_db.drift_policy, since, contract=feed.contract
            )
        except SourceTableError as error:
            raise dg.Failure(str(error)) from None
        context.log.info(
            f"{table}: {'incremental from ' + str(load.watermark_from) if load.incremental else 'full'} load, "
            f"{load.tally.read} rows read in {load.partitions} JDBC partition(s)"
        )
        # A full load may change the schema (new drift columns, or a watermark column configured since the last
        # load); an incremental one is upserted on the key (the quarantine on the raw row's hash).
        allow = bool(load.added_columns) or (settings.watermark_column is not None and not load.incremental)
        control = {ALLOW_SCHEMA_CHANGE: True} if allow else {}
        table_keys = {MERGE_KEYS: ",".join(load.natural_key)} if load.incremental else {}
        quarantine_keys = {MERGE_KEYS: "_raw_sha256"} if load.incremental else {}
        summary = _summary(load, reference_db)
        yield dg.Output(load.loaded, output_name=output_name(key), metadata={**summary, **control, **table_keys})
        yield dg.Output(
            load.quarantined,
            output_name=output_name(quarantine_key),
            metadata={"rows_quarantined": load.tally.quarantined, **control, **quarantine_keys},
        )
        # This load's rows are those stamped with its ingestion time: an incremental load merges into older ones.
        stamp = load.loaded.unionByName(load.quarantined, allowMissingColumns=True).agg(F.max(INGESTED_AT)).first()[0]
        balance = load_balance(
            session, Read(load.tally.read, load.tally.loaded), loaded=warehouse.ref(key), quarantine=warehouse.ref(quarantine_key),
            stamp_column=INGESTED_AT, stamp=stamp,
        )  # fmt: skip
        yield from results(context, dg.AssetKey(key), ROWS_CONSERVED, rows_conserved([balance], unit="load"), "all")

    return ingest


def _summary(load: ReferenceLoad, reference_db: ReferenceDatabase) -> dict[str, object]:
    summary: dict[str, object] = {
        **load.tally.as_metadata(),
        "load": "incremental" if load.incremental else "full",
        "source": reference_db.source().display,
        "jdbc_partitions": load.partitions,
    }
    if load.watermark_to is not None or load.watermark_from is not None:
        summary["watermark_from"] = str(load.watermark_from)
        summary["watermark_to"] = str(load.watermark_to)
    if load.added_columns:
        summary["columns_added"] = ", ".join(load.added_columns)
    return summary
