"""reports/daily_operations: per day, delays against the trailing 28 days, predicted risk, yesterday's predictions
against what happened."""

from datetime import date, timedelta

import dagster as dg
import pandas as pd

from ...partitions import day_window
from ...reporting.daily_operations import TRAILING_DAYS, OperationsEvidence, top_risk
from ...reporting.operations_report import render_operations_day
from ...reporting.outcomes import label_outcomes
from ...reporting.rendering import render_days
from ...resources.report_store import ReportStore
from ...resources.warehouse import Warehouse
from ...transforms.features import KEY_COLUMNS
from ..common import FOLLOWS_UPSTREAM, report_asset

REPORT = "daily_operations"
DELAYS = ["gold", "daily_delay_summary"]
SCORES = ["scores", "flight_delay_scores"]
FLIGHTS = ["silver", "flights"]
DELAY_COLUMNS = [
    "flight_date", "carrier", "origin", "flights", "cancellations", "diversions", "mean_arr_delay_min",
    "share_arr_delayed_15",
]  # fmt: skip
SCORE_COLUMNS = [*KEY_COLUMNS, "dest", "tailnum", "delay_probability", "model_version", "in_sample"]
OUTCOME_COLUMNS = ["arr_delay", "cancelled", "diverted"]


def _days_before(days: int) -> dg.TimeWindowPartitionMapping:
    return dg.TimeWindowPartitionMapping(start_offset=-days, allow_nonexistent_upstream_partitions=True)


def _read(warehouse: Warehouse, key: list[str], window: tuple[date, date], columns: list[str]):
    """The window of a table, or None when the table does not exist yet (the report says what is missing)."""
    return warehouse.read(key, window, "flight_date").select(*columns) if warehouse.exists(key) else None


def gather(warehouse: Warehouse, partition_keys: list[str], start: date, end: date) -> dict[date, OperationsEvidence]:
    """One read per table for the whole run window (a backfill reads each table once), then split by day."""
    delays = _read(warehouse, DELAYS, (start - timedelta(days=TRAILING_DAYS), end), DELAY_COLUMNS)
    delays = delays.toPandas() if delays is not None else pd.DataFrame(columns=DELAY_COLUMNS)
    scores = _read(warehouse, SCORES, (start - timedelta(days=1), end), SCORE_COLUMNS)
    flights = _read(warehouse, FLIGHTS, (start - timedelta(days=1), end), [*KEY_COLUMNS, *OUTCOME_COLUMNS])
    if scores is None:
        scored = pd.DataFrame(columns=[*SCORE_COLUMNS, *OUTCOME_COLUMNS])
    else:
        scored = (scores.join(flights, list(KEY_COLUMNS), "left") if flights is not None else scores).toPandas()
        scored = scored.reindex(columns=[*SCORE_COLUMNS, *OUTCOME_COLUMNS])
    scored = label_outcomes(scored)
    evidence = {}
    for key in partition_keys:
        day = date.fromisoformat(key)
        window = delays.flight_date.between(day - timedelta(days=TRAILING_DAYS), day)
        scores_of_day = scored.flight_date.isin([day - timedelta(days=1), day])
        evidence[day] = OperationsEvidence(
            day=day, delays=delays[window].reset_index(drop=True), scores=scored[scores_of_day].reset_index(drop=True)
        )
    return evidence


def summary_text(evidence: OperationsEvidence, numbers: dict, preview: str) -> str:
    parts = [f"**{evidence.day}** — {numbers['flights']:,} flights"]
    if "share_delayed" in numbers:
        trailing = numbers.get("trailing_share_delayed")
        versus = f" (trailing {TRAILING_DAYS} days: {trailing:.1%})" if trailing is not None else ""
        parts.append(f"{numbers['share_delayed']:.1%} arrived > 15 min late{versus}")
    if numbers["flights_scored"]:
        top = top_risk(evidence, 1).iloc[0]
        parts.append(
            f"mean predicted risk {numbers['mean_predicted_risk']:.1%}, highest {top['flight']} {top['route']} "
            f"({top['P(delay > 15 min)']:.0%})"
        )
    else:
        parts.append("no scores for the day")
    if "yesterday_roc_auc" in numbers:
        parts.append(
            f"yesterday's predictions: ROC AUC {numbers['yesterday_roc_auc']:.3f}, Brier {numbers['yesterday_brier']:.3f} "
            f"on {int(numbers['yesterday_flights_judged']):,} flights"
        )
    else:
        parts.append("yesterday's predictions not judged yet (no scores or no outcomes)")
    image = f"\n\n![late arrivals against the trailing days]({preview})" if preview else ""
    return "; ".join(parts) + "." + image


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @report_asset(
        key=["reports", REPORT],
        partitions_def=daily,
        deps=[
            dg.AssetDep(DELAYS, partition_mapping=_days_before(TRAILING_DAYS)),
            dg.AssetDep(SCORES, partition_mapping=_days_before(1)),
            dg.AssetDep(FLIGHTS, partition_mapping=_days_before(1)),
        ],
        automation_condition=FOLLOWS_UPSTREAM,
    )
    def daily_operations(context: dg.AssetExecutionContext, warehouse: Warehouse, reports: ReportStore) -> dg.MaterializeResult:
        """Per day: late arrivals and delays by carrier and origin against the 28 days before, the distribution of
        predicted risk and the 20 highest-risk flights, and the previous day's predictions judged against their
        outcomes (ROC AUC, Brier, calibration), as an HTML document under the reports location."""
        start, end = day_window(context)
        days = list(gather(warehouse, context.partition_keys, start, end).values())
        for evidence, rendered in zip(days, render_days(render_operations_day, days), strict=True):
            key = evidence.day.isoformat()
            context.add_asset_metadata(
                {
                    **rendered.numbers,
                    "summary": dg.MetadataValue.md(summary_text(evidence, rendered.numbers, rendered.preview)),
                    "report": dg.MetadataValue.path(reports.write(REPORT, key, rendered.html)),
                },
                partition_key=key,
            )
        return dg.MaterializeResult()

    return [daily_operations]
