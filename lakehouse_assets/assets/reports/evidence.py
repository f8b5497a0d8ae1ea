"""What the Dagster instance knows that reports show: check results and ingestion figures per day.

In prod a report step runs on Databricks; when the instance's storage is not reachable from there, these
come back empty and the report says so instead of failing.
"""

from datetime import date

import dagster as dg

from ...dagster_internals import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES, PartitionKeyFilter


def _judged(evaluation: dg.AssetCheckEvaluation, day: date) -> bool:
    """Whether an evaluation judged `day`: its partition, or its `days` metadata (`first..last`, one day, or `all`
    for a whole table)."""
    if evaluation.partition is not None:
        return evaluation.partition == day.isoformat()
    days = evaluation.metadata.get("days")
    first, _, last = str(days.value if days else "all").partition("..")
    return first == "all" or first <= day.isoformat() <= (last or first)


def check_results(
    instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey], day: date, history: int = 25
) -> list[dict[str, str]]:
    """Per check: the latest completed evaluation of the data its asset holds now for `day`, that judged `day`
    (its result for partition `day`, or an unpartitioned one whose days include it); 'not run' if none was made
    since that data was written (an older one judged other data)."""
    rows, written = [], {}
    for key in sorted(check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        if key.asset_key not in written:
            written[key.asset_key] = _written_at(instance, key.asset_key, day)
        result, details = "not run", ""
        evaluation = _latest_judging(instance, key, day, written[key.asset_key], history)
        if evaluation is not None:
            if evaluation.passed:
                result = "passed"
            else:
                result = "warning" if evaluation.severity == dg.AssetCheckSeverity.WARN else "failed"
            hidden = ("days", "run_days")
            shown = [(name, value) for name, value in evaluation.metadata.items() if name not in hidden][:4]
            details = "; ".join(f"{name}={_short(value.value)}" for name, value in shown)
        rows.append({"asset": key.asset_key.to_user_string(), "check": key.name, "result": result, "details": details})
    return rows


def _latest_judging(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, day: date, written: float, history: int
) -> dg.AssetCheckEvaluation | None:
    """The newest completed evaluation of `key` made since `written` that judged `day`: its result for partition
    `day` if the check reports per day, else (a check without partitions) one whose days include `day`."""
    for partition in (day.isoformat(), None):
        records = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=history, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
            partition_filter=PartitionKeyFilter(key=partition),
        )  # fmt: skip
        for record in records:
            if record.event is None:
                continue
            if record.event.timestamp < written:
                continue  # judged data that has since been replaced (records come in planning order, not by time)
            evaluation = record.event.dagster_event.event_specific_data
            if _judged(evaluation, day):
                return evaluation
    return None


def _written_at(instance: dg.DagsterInstance, key: dg.AssetKey, day: date) -> float:
    """When the data that checks on `key` judge for `day` was written: the latest materialisation of its
    partition `day`, or of the whole asset if it is unpartitioned; 0 if there is none."""
    record = _latest(instance, key, day.isoformat()) or _latest(instance, key)
    if record is None or record.asset_materialization.partition not in (None, day.isoformat()):
        return 0.0
    return record.timestamp


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str | None = None) -> dg.EventLogRecord | None:
    """The latest materialisation record of `key` (of its partition `partition` if one is given)."""
    partitions = [partition] if partition is not None else None
    page = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=partitions), limit=1)
    return page.records[0] if page.records else None


def partition_metadata(instance: dg.DagsterInstance, key: dg.AssetKey, day: date) -> dict[str, object]:
    """Metadata of the latest materialisation of `key`'s partition `day` (empty if never materialised)."""
    record = _latest(instance, key, day.isoformat())
    return _values(record.asset_materialization.metadata) if record else {}


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey) -> tuple[str, dict[str, object]] | None:
    """(run id, metadata) of the latest materialisation of an unpartitioned asset, or None if it has none."""
    record = _latest(instance, key)
    return (record.run_id, _values(record.asset_materialization.metadata)) if record else None


def _values(metadata) -> dict[str, object]:
    return {name: value.value for name, value in metadata.items()}


def check_in_run(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, run_id: str, history: int = 25
) -> tuple[bool, dict[str, object]] | None:
    """(passed, metadata) of the check's evaluation in run `run_id`, or None if it was not evaluated there."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        key, limit=history, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    for record in records:
        if record.run_id == run_id and record.event is not None:
            evaluation = record.event.dagster_event.event_specific_data
            return evaluation.passed, _values(evaluation.metadata)
    return None
