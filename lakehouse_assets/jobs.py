"""Jobs from config/job_config.json, checked against the asset graph when definitions load."""

from __future__ import annotations

import re
from collections.abc import Sequence

import dagster as dg
from dagster_mlflow import end_mlflow_on_run_finished

from .dagster_internals import AssetGraph
from .resources.step_launcher import STEP_LAUNCHER_KEY
from .settings import ConfigError, Settings

_EXECUTORS = {"in_process": dg.in_process_executor, "multiprocess": dg.multiprocess_executor}
_KEY_TOKEN = re.compile(r'key:"?([A-Za-z0-9_/*]+)"?')
TRAINING = dg.AssetKey(["ml", "delay_model"])


def build_jobs(settings: Settings, assets: Sequence[dg.AssetsDefinition]) -> list[dg.UnresolvedAssetJobDefinition]:
    graph = AssetGraph.from_assets(assets)
    known = {key.to_user_string() for key in graph.get_all_asset_keys()}
    jobs = []
    for index, job in enumerate(settings.jobs.jobs):
        where = f"{settings.config_dir / 'job_config.json'}: jobs[{index}] ({job.name}).selection"
        selection = _parse_selection(job.selection, where)
        unknown = [key for key in _KEY_TOKEN.findall(job.selection) if "*" not in key and key not in known]
        if unknown:
            raise ConfigError(f"{where}: unknown asset {', '.join(unknown)}; known assets: {', '.join(sorted(known))}")
        selected = selection.resolve(graph)
        if not selected:
            raise ConfigError(f"{where}: {job.selection!r} selects no asset")
        partitioned = sorted(key.to_user_string() for key in selected if graph.get(key).partitions_def is not None)
        if job.partitioned != bool(partitioned):
            raise ConfigError(
                f"{settings.config_dir / 'job_config.json'}: jobs[{index}] ({job.name}).partitioned: is "
                f"{str(job.partitioned).lower()} but the selection has "
                f"{'daily-partitioned assets (' + ', '.join(partitioned[:3]) + ')' if partitioned else 'no partitioned asset'}"
            )
        jobs.append(
            dg.define_asset_job(
                name=job.name,
                description=job.description or None,
                selection=selection,
                executor_def=_EXECUTORS[job.executor],
                tags={**job.tags, "lakehouse/job": job.name},
                config=_launcher_config(settings, job.cluster),
                # A job that trains: dagster-mlflow's hook ends the run's MLflow run (resource `mlflow`) when a
                # step fails or the last step succeeds; the resource's teardown ends whatever the hook did not.
                hooks={end_mlflow_on_run_finished} if TRAINING in selected else None,
            )
        )
    return jobs


def _launcher_config(settings: Settings, cluster: str | None) -> dict | None:
    """Bind the job's Spark steps to its cluster of cluster_config.json where steps run on Databricks."""
    if settings.environment.spark.mode != "databricks" or cluster is None:
        return None
    return {"resources": {STEP_LAUNCHER_KEY: {"config": {"cluster": cluster}}}}


def _parse_selection(text: str, where: str) -> dg.AssetSelection:
    try:
        return dg.AssetSelection.from_string(text)
    except Exception as error:  # the parser raises several error types for a malformed string
        raise ConfigError(f"{where}: cannot parse asset selection {text!r}: {error}") from None
