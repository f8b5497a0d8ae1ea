"""Clusters of the Databricks REST test double: all-purpose clusters (Clusters API) and a run's job cluster.

Part of the test double (see server.py). Starting a cluster takes time, as on the service: `start_seconds` for
a cold start (new VMs), `pool_start_seconds` when its nodes come from an instance pool the emulator knows
(`instance_pools`, whose idle instances are warm). Every start is recorded in `starts`, so a test can count the
clusters a job made and how many started cold. A cluster is PENDING while it starts, then RUNNING until it is
terminated; one permanently deleted no longer exists.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError


@dataclass(frozen=True)
class ClusterStart:
    cluster_id: str
    kind: str  # "all-purpose" (Clusters API) or "job" (a run's new_cluster)
    instance_pool_id: str | None
    cold: bool


@dataclass
class EmulatedCluster:
    cluster_id: str
    spec: dict[str, Any]
    kind: str
    state: str = "PENDING"
    state_message: str = "Starting Spark"
    deleted: bool = False
    running: threading.Event = field(default_factory=threading.Event)

    def as_json(self) -> dict[str, Any]:
        details = {key: value for key, value in self.spec.items()}
        source = {"all-purpose": "API", "job": "JOB", "existing": "UI"}[self.kind]
        return {**details, "cluster_id": self.cluster_id, "state": self.state, "state_message": self.state_message,
                "cluster_source": source}  # fmt: skip


class Clusters:
    def __init__(
        self,
        existing: dict[str, dict[str, Any]],
        start_seconds: float,
        instance_pools: dict[str, dict[str, Any]],
        pool_start_seconds: float,
    ) -> None:
        self.start_seconds, self.pool_start_seconds, self.instance_pools = start_seconds, pool_start_seconds, instance_pools
        self.clusters: dict[str, EmulatedCluster] = {}
        self.starts: list[ClusterStart] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        for cluster_id, spec in existing.items():  # clusters made before the tests, already running
            cluster = EmulatedCluster(cluster_id, spec, "existing", state="RUNNING", state_message="")
            cluster.running.set()
            self.clusters[cluster_id] = cluster

    # ---- Clusters API ---------------------------------------------------------------------------------------
    def create(self, args: dict[str, Any]) -> dict[str, Any]:
        self.check_nodes(args, "")
        if args.get("data_security_mode") == "SINGLE_USER" and not args.get("single_user_name"):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "single_user_name: required for a SINGLE_USER cluster")
        cluster = self._new("all-purpose", args)
        threading.Thread(target=self._start, args=(cluster,), daemon=True, name=f"start-{cluster.cluster_id}").start()
        return {"cluster_id": cluster.cluster_id}

    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.existing(args["cluster_id"]).as_json()

    def delete(self, args: dict[str, Any]) -> dict[str, Any]:
        self.terminate(self.existing(args["cluster_id"]), "Terminated by the user")
        return {}

    def permanent_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        cluster = self.existing(args["cluster_id"])
        self.terminate(cluster, "Permanently deleted by the user")
        cluster.deleted = True
        return {}

    # ---- what runs use --------------------------------------------------------------------------------------
    def existing(self, cluster_id: str) -> EmulatedCluster:
        cluster = self.clusters.get(cluster_id)
        if cluster is None or cluster.deleted:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Cluster {cluster_id} does not exist")
        return cluster

    def job_cluster(self, spec: dict[str, Any]) -> EmulatedCluster:
        """A run's new cluster, started now (the caller waits for `running`); ended with `terminate`."""
        self.check_nodes(spec, "tasks[0].new_cluster.")
        cluster = self._new("job", spec)
        self._start(cluster)
        return cluster

    def wait_running(self, cluster: EmulatedCluster, timeout: float = 600) -> None:
        if not cluster.running.wait(timeout) or cluster.state != "RUNNING":
            raise ApiError(400, "CLUSTER_NOT_RUNNING", f"Cluster {cluster.cluster_id} is {cluster.state}: {cluster.state_message}")

    def terminate(self, cluster: EmulatedCluster, reason: str) -> None:
        with self._lock:
            cluster.state, cluster.state_message = "TERMINATED", reason
        cluster.running.set()  # wakes whatever waits for it; it finds the cluster terminated

    def running_ids(self) -> list[str]:
        with self._lock:
            return [cluster.cluster_id for cluster in self.clusters.values() if cluster.state in ("PENDING", "RUNNING")]

    def _new(self, kind: str, spec: dict[str, Any]) -> EmulatedCluster:
        with self._lock:
            cluster_id = f"1130-{next(self._ids):06d}-emulated"
            cluster = self.clusters[cluster_id] = EmulatedCluster(cluster_id, dict(spec), kind)
        return cluster

    def _start(self, cluster: EmulatedCluster) -> None:
        pool = cluster.spec.get("instance_pool_id")
        with self._lock:
            self.starts.append(ClusterStart(cluster.cluster_id, cluster.kind, pool, cold=pool is None))
        time.sleep(self.start_seconds if pool is None else self.pool_start_seconds)
        with self._lock:  # a cluster terminated while it started stays terminated
            if cluster.state == "PENDING":
                cluster.state, cluster.state_message = "RUNNING", ""
        cluster.running.set()

    def check_nodes(self, spec: dict[str, Any], where: str) -> None:
        pool = spec.get("instance_pool_id")
        if pool is not None and pool not in self.instance_pools:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"{where}instance_pool_id: instance pool {pool} does not exist")
        if pool is None and not spec.get("node_type_id"):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"{where}node_type_id: required when no instance_pool_id is given")
