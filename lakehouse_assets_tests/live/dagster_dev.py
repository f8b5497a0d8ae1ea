"""A real `dagster dev` (webserver + daemon) on 127.0.0.1, driven through its GraphQL API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
import yaml

from lakehouse_assets.instance import instance_settings as project_instance_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCATION = "lakehouse_assets"
REPOSITORY = "__repository__"
# Sensors and schedules tick in threads so a test sees them act quickly; no telemetry from tests.
BASE_INSTANCE_SETTINGS = {
    "sensors": {"use_threads": True, "num_workers": 2},
    "schedules": {"use_threads": True},
    "telemetry": {"enabled": False},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DagsterDev:
    """Starts `dagster dev` in its own process group and stops the whole group, leaving nothing behind.

    `instance_settings` (dagster.yaml sections) are written over the base settings, section by section."""

    def __init__(
        self,
        dagster_home: Path,
        env: Mapping[str, str],
        log_path: Path,
        instance_settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dagster_home = dagster_home
        self.env = {**os.environ, **env, "DAGSTER_HOME": str(dagster_home)}
        self.log_path = log_path
        # The project's own instance (its event log storage included), with the test's settings over it.
        self.instance_settings = {
            **project_instance_settings(dagster_home),
            **BASE_INSTANCE_SETTINGS,
            **(instance_settings or {}),
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> DagsterDev:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        (self.dagster_home / "dagster.yaml").write_text(yaml.safe_dump(self.instance_settings, sort_keys=False))
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(self.port), "-w", "workspace.yaml"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_loaded(timeout=240)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.process is None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=30)
        deadline = time.time() + 30
        while _group_alive(group) and time.time() < deadline:
            time.sleep(0.5)
        if _group_alive(group):
            os.killpg(group, signal.SIGKILL)
        self._log.close()
        self.process = None

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict:
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def _wait_until_loaded(self, timeout: float) -> None:
        deadline = time.time() + timeout
        query = "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename ... on PythonError { message } } } } } }"
        last = "not started"
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.process.returncode}; see {self.log_path}")
            try:
                entries = self.graphql(query)["workspaceOrError"]["locationEntries"]
                states = {entry["name"]: entry["locationOrLoadError"] for entry in entries}
                location = states.get(LOCATION)
                if location and location["__typename"] == "RepositoryLocation":
                    return
                if location and location["__typename"] == "PythonError":
                    raise RuntimeError(f"code location failed to load: {location['message']}")
                last = str(states)
            except requests.RequestException as error:
                last = str(error)
            time.sleep(2)
        raise TimeoutError(f"dagster dev did not load {LOCATION} within {timeout}s (last: {last}); see {self.log_path}")


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
