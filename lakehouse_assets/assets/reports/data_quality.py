"""reports/data_quality: per day, the conservation ledger, quarantine reasons, rejected files and check results.

Every daily feed of config/feeds.json is accounted for: a file feed's rows read come from its file ledger, the
weather payload's from its partitions' metadata (it keeps no ledger: an API page is no file).
"""

from collections.abc import Sequence
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
from ...settings.feeds import Feed
from ..common import FOLLOWS_UPSTREAM, report_asset
from .evidence import check_results, partition_metadata

REPORT = "data_quality"
CHECKED_LAYERS = {"bronze", "silver", "gold", "features"}
LEDGER_DAY = "partition_date"


def _per_day(frame, day_column: str, *group: str) -> pd.DataFrame:
    return frame.groupBy(F.col(day_column).alias("day"), *group).count().toPandas()


def upstream(feeds: Sequence[Feed]) -> list[list[str]]:
    """The bronze tables the report reads: every feed's rows and quarantine, and the file ledgers."""
    return [["bronze", table] for feed in feeds for table in feed.bronze_tables]


def _quarantine_reason(feed: Feed) -> str:
    # The weather payload's quarantine keeps the contract's own column name for the reason.
    return "reason" if feed.is_generic_file_feed else "_quarantine_reason"


def gather(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    check_keys: list[dg.AssetCheckKey],
    feeds: Sequence[Feed],
    start: date,
    end: date,
) -> dict[date, QualityEvidence]:
    window = (start, end)
    loaded, quarantined, ledgers = {}, {}, {}
    # A feed declared since the last run has no tables yet: the report says so instead of failing for every feed.
    unwritten = [feed.name for feed in feeds if not all(warehouse.exists(["bronze", table]) for table in feed.bronze_tables)]
    if unwritten:
        context.log.warning(f"no bronze tables yet for feed(s) {', '.join(unwritten)}; left out of the report")
    feeds = [feed for feed in feeds if feed.name not in unwritten]
    for feed in feeds:
        column = feed.partition_column
        loaded[feed.name] = _per_day(warehouse.read(["bronze", feed.name], window, column), column)
        quarantine = warehouse.read(["bronze", f"{feed.name}_quarantine"], window, column)
        quarantined[feed.name] = _per_day(quarantine, column, F.col(_quarantine_reason(feed)).alias("reason"))
        if feed.is_generic_file_feed:
            ledgers[feed.name] = warehouse.read(["bronze", feed.bronze_tables[2]], window, LEDGER_DAY).toPandas()
    evidence = {}
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        day_ledgers = {name: ledger[ledger[LEDGER_DAY] == day] for name, ledger in ledgers.items()}
        conservation = pd.DataFrame(
            [
                _balance(
                    feed.name,
                    int(day_ledgers[feed.name].rows_read.sum())
                    if feed.name in day_ledgers
                    else partition_metadata(context.instance, dg.AssetKey(["bronze", feed.name]), day).get("rows_read"),
                    loaded[feed.name],
                    quarantined[feed.name],
                    day,
                )
                for feed in feeds
            ]
        )
        reasons = pd.concat([frame[frame.day == day].assign(source=name) for name, frame in quarantined.items()])
        rejected = pd.concat(
            [ledger[ledger.status == "rejected"].assign(source=name) for name, ledger in day_ledgers.items()]
            or [pd.DataFrame(columns=["source", "path", "reason"])]
        )
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
            rejected_files=pd.DataFrame({"source": rejected.source, "file": rejected.path, "reason": rejected.reason}),
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


def build(
    daily: dg.DailyPartitionsDefinition, check_keys: list[dg.AssetCheckKey], feeds: Sequence[Feed]
) -> list[dg.AssetsDefinition]:
    shown = [key for key in check_keys if key.asset_key.path[0] in CHECKED_LAYERS]

    # The lowest step priority lets a run evaluate the checks the report shows before writing it, so one run's
    # report shows that run's results. It depends on the feeds' bronze tables alone: a day whose silver or
    # features fail still gets its report, which is when it matters most (a feed whose own step fails does not).
    @report_asset(
        key=["reports", REPORT],
        partitions_def=daily,
        deps=upstream(feeds),
        automation_condition=FOLLOWS_UPSTREAM,
        op_tags={PRIORITY_TAG: "-1"},
    )
    def data_quality(context: dg.AssetExecutionContext, warehouse: Warehouse, reports: ReportStore) -> dg.MaterializeResult:
        """Per day: rows read, loaded and quarantined by source, quarantine reasons, rejected files and check results,
        as an HTML document under the reports location."""
        start, end = day_window(context)
        days = list(gather(context, warehouse, shown, feeds, start, end).values())
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
