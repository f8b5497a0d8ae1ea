"""Run a selection of the graph for a date range as one Dagster run (the CLI's and tests' way in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import dagster as dg

from .dagster_internals import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from .settings.ml import MlSettings


def materialize_range(
    defs: dg.Definitions,
    start: date,
    end: date,
    selection: dg.AssetSelection | None = None,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
    run_id: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise `selection` (default: everything) for the days [start, end] in a single run.

    Assets computed together (e.g. bronze/flights with its quarantine and file ledger) are selected together.
    """
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        asset_selection=selected_keys(defs, selection),
        raise_on_error=raise_on_error,
        run_id=run_id,
        tags={ASSET_PARTITION_RANGE_START_TAG: start.isoformat(), ASSET_PARTITION_RANGE_END_TAG: end.isoformat()},
    )


def selected_keys(defs: dg.Definitions, selection: dg.AssetSelection | None) -> list[dg.AssetKey]:
    keys = (selection or dg.AssetSelection.all()).required_multi_asset_neighbors().resolve(defs.resolve_asset_graph())
    return sorted(keys)


def step_count(defs: dg.Definitions, selection: dg.AssetSelection | None) -> int:
    """How many steps `materialize_range` runs for `selection`: one per asset step, plus the checks' own."""
    job = defs.resolve_implicit_global_asset_job_def()
    return len(job.get_subset(asset_selection=set(selected_keys(defs, selection))).graph.nodes)


MODEL_KEY = dg.AssetKey(["ml", "delay_model"])
# Every asset that a run over any range can build: the model trains on its own configured windows, so it and
# what depends on it are left out.
DATA_ASSETS = dg.AssetSelection.all() - dg.AssetSelection.assets(MODEL_KEY).downstream()
MODEL_REPORT_KEY = dg.AssetKey(["reports", "model_performance"])  # reports on the model this run trains
CHAMPION_USERS = (dg.AssetKey(["scores", "flight_delay_scores"]), dg.AssetKey(["ml", "feature_drift"]))


def demo_selection(
    ml: MlSettings, start: date, end: date, champion_exists: Callable[[], bool]
) -> tuple[dg.AssetSelection, list[str]]:
    """What `lakehouse demo` materialises for [start, end], and a note for each part it leaves out.

    The model is unpartitioned: it trains on its configured windows, whatever the run's range, so it runs only
    when the range covers them (the features of those days are written earlier in the same run). Scoring and
    drift need a champion: this run's model, or one promoted before.
    """
    if start <= ml.training.start and end >= ml.holdout.end:
        return dg.AssetSelection.all(), []
    notes = [
        f"ml/delay_model left out: {start}..{end} does not cover its training and holdout windows "
        f"({ml.training.start}..{ml.holdout.end}); run `lakehouse demo --start {ml.training.start} --end "
        f"{ml.holdout.end}` or materialise ml/delay_model once those features exist (reports/model_performance "
        "follows it)"
    ]
    excluded = dg.AssetSelection.assets(MODEL_KEY, MODEL_REPORT_KEY)
    if not champion_exists():
        excluded = excluded | dg.AssetSelection.assets(*CHAMPION_USERS)
        notes.append("scores/flight_delay_scores and ml/feature_drift left out: no champion model to score with yet")
    return dg.AssetSelection.all() - excluded, notes
