"""One Databricks cluster for all the Spark steps of a Dagster run (cluster_config.json `lifetime: run`).

A job cluster per step pays a cluster start (minutes) and the library installs for every step. Here the run's
first Spark step creates one cluster through the Clusters API and waits for it; every step of the run is then
submitted to it as an existing cluster; when the run ends (succeeded, failed or cancelled) the launcher's
resource is torn down and the cluster is deleted. Should the Dagster process die before that, the cluster
terminates itself after `idle_minutes` without work. Such a cluster is an all-purpose cluster, billed at that
rate: docs/deploy_databricks.md weighs it against pools and job clusters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dagster as dg
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError

START_TIMEOUT = timedelta(minutes=30)


class RunClusterError(Exception):
    pass


class RunCluster:
    """The cluster of one Dagster run: created on first use, deleted by `release`."""

    def __init__(self, workspace: WorkspaceClient, spec: dict[str, Any], idle_minutes: int) -> None:
        self.workspace, self.spec, self.idle_minutes = workspace, spec, idle_minutes
        self.cluster_id: str | None = None
        self.failure: RunClusterError | None = None

    def ensure(self, run_id: str, log: logging.Logger | dg.DagsterLogManager) -> str:
        if self.failure is not None:  # one start per run: later steps fail with the same reason, at once
            raise self.failure
        if self.cluster_id is not None:
            return self.cluster_id
        body = {
            **self.spec,  # a Jobs-API ClusterSpec, which the Clusters API takes as it is
            "cluster_name": f"lakehouse_assets run {run_id}",
            "autotermination_minutes": self.idle_minutes,
            "custom_tags": {**self.spec.get("custom_tags", {}), "dagster_run_id": run_id},
        }
        if body.get("data_security_mode") == "SINGLE_USER" and "single_user_name" not in body:
            # A job cluster runs as the job's owner; an all-purpose one must name its user: whoever launches.
            body["single_user_name"] = self.workspace.current_user.me().user_name
        created = self.workspace.api_client.do("POST", "/api/2.1/clusters/create", body=body)
        self.cluster_id = created["cluster_id"]
        log.info(f"created cluster {self.cluster_id} for this run's Spark steps; waiting for it to start")
        try:
            self.workspace.clusters.wait_get_cluster_running(self.cluster_id, timeout=START_TIMEOUT)
        except (DatabricksError, TimeoutError, RuntimeError) as error:
            self.failure = RunClusterError(f"the run's cluster {self.cluster_id} did not start: {error}")
            raise self.failure from error
        log.info(f"cluster {self.cluster_id} is running")
        return self.cluster_id

    def release(self, log: logging.Logger | dg.DagsterLogManager) -> None:
        """Delete the cluster if this run created one (on success, failure and cancellation alike)."""
        if self.cluster_id is None:
            return
        try:
            self.workspace.clusters.permanent_delete(self.cluster_id)
            log.info(f"deleted this run's cluster {self.cluster_id}")
        except Exception as error:  # teardown must go on and say what is left behind, whatever went wrong
            log.error(
                f"could not delete this run's cluster {self.cluster_id} ({error}); it terminates itself after "
                f"{self.idle_minutes} idle minutes, or delete it in the workspace's Compute page"
            )


class RunClusterStepLauncher(dg.StepLauncher):
    """dagster-databricks' launcher, with every step submitted to the run's cluster instead of a new one."""

    def __init__(self, launcher: Any, cluster: RunCluster) -> None:
        self.launcher, self.cluster = launcher, cluster

    def launch_step(self, step_context) -> Iterator[dg.DagsterEvent]:
        cluster_id = self.cluster.ensure(step_context.run_id, step_context.log)
        self.launcher.run_config = {**self.launcher.run_config, "cluster": {"existing": cluster_id}}
        yield from self.launcher.launch_step(step_context)
