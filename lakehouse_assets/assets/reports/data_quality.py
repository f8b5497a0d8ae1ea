"""reports/data_quality: per day, the conservation ledger, quarantine reasons, rejected files and check results."""

from datetime import date

import dagster as dg
import pandas as pd
from pyspark.sql import functions as F

from ...dagster_internals import PRIORITY_TAG
from ...partitions import day_window
from ...reporting.data_quality import QualityEvidence, render_quality_day
from ...reporting.rendering import render_days
from ...resources.report_store import ReportStore
from ...resources.warehouse import Warehouse
from ..common import FOLLOWS_UPSTREAM, report_asset
from .evidence import check_results, partition_metadata

REPORT = "data_quality"
CHECKED_LAYERS = {"bronze", "silver", "gold", "features"}
UPSTREAM = [
    ["bronze", "flights"], ["bronze", "flights_quarantine"], ["bronze", "flights_file_ledger"],
    ["bronze", "weather"], ["bronze", "weather_quarantine"],
]  # fmt: skip


def _per_day(frame, day_column: str, *group: str) -> pd.DataFrame:
    return frame.groupBy(F.col(day_column).alias("day"), *group).count().toPandas()


def gather(
    context: dg.AssetExecutionContext, warehouse: Warehouse, check_keys: list[dg.AssetCheckKey], start: date, end: date
) -> dict[date, QualityEvidence]:
    window = (start, end)
    ledger = warehouse.read(["bronze", "flights_file_ledger"], window, "partition_date").toPandas()
    flights = _per_day(warehouse.read(["bronze", "flights"], window, "flight_date"), "flight_date")
    flights_q = _per_day(warehouse.read(["bronze", "flights_quarantine"], window, "flight_date"), "flight_date", "reason")
    weather = _per_day(warehouse.read(["bronze", "weather"], window, "observation_date"), "observation_date")
    weather_q = _per_day(
        warehouse.read(["bronze", "weather_quarantine"], window, "observation_date"), "observation_date",
        F.col("_quarantine_reason").alias("reason"),
    )  # fmt: skip
    evidence = {}
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        day_ledger = ledger[ledger.partition_date == day]
        weather_read = partition_metadata(context.instance, dg.AssetKey(["bronze", "weather"]), day).get("rows_read")
        conservation = pd.DataFrame(
            [
                _balance("flights", int(day_ledger.rows_read.sum()), flights, flights_q, day),
                _balance("weather", weather_read, weather, weather_q, day),
            ]
        )
        reasons = pd.concat(
            [frame[frame.day == day].assign(source=source) for source, frame in (("flights", flights_q), ("weather", weather_q))]
        )
        rejected = day_ledger[day_ledger.status == "rejected"]
        try:
            checks = pd.DataFrame(check_results(context.instance, check_keys, day))
        except Exception as error:  # the instance may not be reachable from remote compute
            context.log.warning(f"check results unavailable: {error}")
            checks = pd.DataFrame([{"asset": "-", "check": "-", "result": "unavailable", "details": str(error)[:120]}])
        evidence[day] = QualityEvidence(
            day=day,
            conservation=conservation,
            quarantine_reasons=reasons.rename(columns={"count": "rows"})[["source", "reason", "rows"]]
            .sort_values("rows", ascending=False)
            .reset_index(drop=True),
            rejected_files=pd.DataFrame({"source": "flights", "file": rejected.path, "reason": rejected.reason}),
            checks=checks,
        )
    return evidence


def _balance(source: str, read, loaded: pd.DataFrame, quarantined: pd.DataFrame, day: date) -> dict:
    rows_loaded = int(loaded[loaded.day == day]["count"].sum())
    rows_quarantined = int(quarantined[quarantined.day == day]["count"].sum())
    return {
        "source": source,
        "rows_read": int(read) if read is not None else rows_loaded + rows_quarantined,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
    }


def build(daily: dg.DailyPartitionsDefinition, check_keys: list[dg.AssetCheckKey]) -> list[dg.AssetsDefinition]:
    shown = [key for key in check_keys if key.asset_key.path[0] in CHECKED_LAYERS]

    # The lowest step priority lets a run evaluate the checks the report shows before writing it, so one run's
    # report shows that run's results. It depends on bronze alone: a day whose silver or features fail still
    # gets its report, which is when it matters most.
    @report_asset(
        key=["reports", REPORT],
        partitions_def=daily,
        deps=UPSTREAM,
        automation_condition=FOLLOWS_UPSTREAM,
        op_tags={PRIORITY_TAG: "-1"},
    )
    def data_quality(context: dg.AssetExecutionContext, warehouse: Warehouse, reports: ReportStore) -> dg.MaterializeResult:
        """Per day: rows read, loaded and quarantined by source, quarantine reasons, rejected files and check results,
        as an HTML document under the reports location."""
        start, end = day_window(context)
        days = list(gather(context, warehouse, shown, start, end).values())
        for evidence, rendered in zip(days, render_days(render_quality_day, days), strict=True):
            key, numbers = evidence.day.isoformat(), rendered.numbers
            summary = (
                f"**{key}** — {numbers['rows_read']:,} rows read, {numbers['rows_loaded']:,} loaded, "
                f"{numbers['rows_quarantined']:,} quarantined; {numbers['files_rejected']} file(s) rejected; "
                f"checks: {numbers['checks_passed']} passed, {numbers['checks_warning']} warning, "
                f"{numbers['checks_failed']} failed.\n\n![rows by source]({rendered.preview})"
            )
            context.add_asset_metadata(
                {
                    **numbers,
                    "summary": dg.MetadataValue.md(summary),
                    "report": dg.MetadataValue.path(reports.write(REPORT, key, rendered.html)),
                },
                partition_key=key,
            )
        return dg.MaterializeResult()

    return [data_quality]
