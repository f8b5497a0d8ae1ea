"""Run a selection of the graph for a date range as one Dagster run (the CLI's and tests' way in)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG


def local_instance(home: Path) -> dg.DagsterInstance:
    """The Dagster instance whose runs `dagster dev` shows: $DAGSTER_HOME, else $LAKEHOUSE_HOME/dagster."""
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster")
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch()  # defaults: SQLite run and event storage in this folder
    return dg.DagsterInstance.from_config(str(dagster_home))


def materialize_range(
    defs: dg.Definitions,
    start: date,
    end: date,
    selection: dg.AssetSelection | None = None,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Materialise `selection` (default: everything) for the days [start, end] in a single run.

    Assets computed together (e.g. bronze/flights with its quarantine and file ledger) are selected together.
    """
    job = defs.resolve_implicit_global_asset_job_def()
    keys = (selection or dg.AssetSelection.all()).required_multi_asset_neighbors().resolve(defs.resolve_asset_graph())
    return job.execute_in_process(
        instance=instance,
        asset_selection=sorted(keys),
        raise_on_error=raise_on_error,
        tags={ASSET_PARTITION_RANGE_START_TAG: start.isoformat(), ASSET_PARTITION_RANGE_END_TAG: end.isoformat()},
    )
