"""The few Dagster names this project needs that Dagster does not export publicly, gathered here so a Dagster
upgrade that moves them breaks one module, not five."""

from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # which materialisation a check judged
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph  # resolves job selections at load
from dagster._core.event_api import PartitionKeyFilter  # a check's results of one partition
from dagster._core.storage.asset_check_execution_record import (  # check history without in-flight evaluations
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
)
from dagster._core.storage.event_log import SqliteEventLogStorage  # the local instance's event log (instance.py)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME  # its cross-run database
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS  # how long its connections wait for a lock
from dagster._core.storage.tags import (  # a single-run backfill's range, and step priority
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PRIORITY_TAG,
)
from dagster._utils.schedules import is_valid_cron_string  # the cron Dagster itself accepts

__all__ = [
    "AssetCheckEvaluationTargetMaterializationData",
    "PartitionKeyFilter",
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES",
    "INDEX_SHARD_NAME",
    "PRIORITY_TAG",
    "SQLITE_BUSY_TIMEOUT_SECONDS",
    "SqliteEventLogStorage",
    "AssetGraph",
    "is_valid_cron_string",
]
