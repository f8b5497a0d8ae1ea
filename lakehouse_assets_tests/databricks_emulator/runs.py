"""Submitted runs of the Databricks REST test double: checked like the Jobs API would, then executed locally.

Every field of the body, top level and every task, is checked against the Jobs API's (api_shapes.py). A run
with a `new_cluster` first starts a job cluster (clusters.py: a cold start, or a warm one from an instance
pool) and terminates it when it ends; one with an `existing_cluster_id` waits for that cluster to be running.
A run's single spark_python_task runs as a subprocess of this venv's Python (driver.py plays the Databricks
Runtime), with the cluster spec applied the way a cluster applies it: `spark_conf` becomes the process's
spark-defaults.conf, `spark_env_vars` its environment (`{{secrets/scope/key}}` resolved), `maven` and `jar`
libraries go on Spark's classpath. Python libraries cannot be installed into the shared venv, so `pypi` and
`whl` libraries are checked against what the venv has, and a mismatch fails the run as a failed install would.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement

from ..spark_servers import FAST_START_JAVA_OPTIONS
from .clusters import Clusters, EmulatedCluster
from .errors import ApiError

if TYPE_CHECKING:
    from .server import DatabricksEmulator

DRIVER = Path(__file__).with_name("driver.py")
SECRET_REFERENCE = re.compile(r"\{\{secrets/([^/{}]+)/([^/{}]+)\}\}")
# Settings only Databricks Runtime understands; open-source Spark would reject the value.
RUNTIME_ONLY_CONF = {("spark.sql.shuffle.partitions", "auto")}
EMULATOR_SPARK_DEFAULTS = {
    "spark.master": "local[2]",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": FAST_START_JAVA_OPTIONS,
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


# Where a Databricks runtime keeps its Python; cluster specs point PYSPARK_PYTHON at it.
RUNTIME_PYTHON = "/databricks/python3/bin/python3"


@dataclass
class EmulatedRun:
    run_id: int
    task_run_id: int
    token: str
    body: dict[str, Any]
    life_cycle_state: str = "PENDING"
    result_state: str | None = None
    state_message: str = ""
    cluster_id: str | None = None
    start_time: int = field(default_factory=lambda: int(time.time() * 1000))
    end_time: int = 0
    directory: Path | None = None
    cluster: EmulatedCluster | None = None
    process: subprocess.Popen | None = None
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def task(self) -> dict[str, Any]:
        return self.body["tasks"][0]

    @property
    def terminated(self) -> bool:
        return self.life_cycle_state in ("TERMINATED", "INTERNAL_ERROR", "SKIPPED")

    def finish(self, life_cycle_state: str, result_state: str, message: str = "") -> None:
        self.life_cycle_state, self.result_state, self.state_message = life_cycle_state, result_state, message
        self.end_time = int(time.time() * 1000)

    def as_json(self, url: str) -> dict[str, Any]:
        state = {"life_cycle_state": self.life_cycle_state, "state_message": self.state_message,
                 "user_cancelled_or_timedout": self.cancelled or self.result_state == "TIMEDOUT"}  # fmt: skip
        if self.result_state:
            state["result_state"] = self.result_state
        task = {key: value for key, value in self.task.items()}
        task.update(run_id=self.task_run_id, state=state, attempt_number=0, start_time=self.start_time)
        if self.cluster_id:
            task["cluster_instance"] = {"cluster_id": self.cluster_id, "spark_context_id": str(self.run_id)}
        run = {
            "run_id": self.run_id, "run_name": self.body.get("run_name") or "Untitled", "run_type": "SUBMIT_RUN",
            "creator_user_name": "emulator", "state": state, "tasks": [task], "start_time": self.start_time,
            "run_page_url": f"{url}/#job/runs/{self.run_id}",
        }  # fmt: skip
        if self.end_time:
            run["end_time"] = task["end_time"] = self.end_time
        return run

    def output_json(self, url: str) -> dict[str, Any]:
        output: dict[str, Any] = {"metadata": self.as_json(url), "logs": self._tail("stdout"), "logs_truncated": False}
        if self.result_state and self.result_state != "SUCCESS":
            trace = self._tail("stderr")
            output["error"] = self.state_message
            output["error_trace"] = trace
        return output

    def _tail(self, stream: str, limit: int = 5 * 1024 * 1024) -> str:
        path = (self.directory / stream) if self.directory else None
        return path.read_bytes()[-limit:].decode(errors="replace") if path and path.exists() else ""


class RunExecutor:
    def __init__(self, emulator: DatabricksEmulator, clusters: Clusters, delta_jars_dir: str | None):
        self.emulator = emulator
        self.clusters = clusters
        self.delta_jars_dir = delta_jars_dir
        self.runs: dict[int, EmulatedRun] = {}
        self._ids = itertools.count(1001)
        self._threads: list[threading.Thread] = []
        self._idempotent: dict[str, EmulatedRun] = {}
        self._lock = threading.Lock()

    def submit(self, body: dict[str, Any]) -> EmulatedRun:
        """`body` has passed the API's field checks (server.py); what is left is what the service checks next."""
        tasks = body.get("tasks") or []
        if len(tasks) != 1:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "The emulator runs single-task submissions")
        task = tasks[0]
        if "spark_python_task" not in task:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "Only spark_python_task is emulated")
        if ("new_cluster" in task) == ("existing_cluster_id" in task):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "Give exactly one of new_cluster or existing_cluster_id")
        if "existing_cluster_id" in task:
            self.clusters.existing(task["existing_cluster_id"])
        else:
            self.clusters.check_nodes(task["new_cluster"], "tasks[0].new_cluster.")
        token = body.get("idempotency_token")
        with self._lock:  # requests are served on several threads
            if token in self._idempotent:
                return self._idempotent[token]
            run = EmulatedRun(run_id=next(self._ids), task_run_id=next(self._ids), token=secrets.token_hex(16), body=body)
            self.runs[run.run_id] = run
            if token:
                self._idempotent[token] = run
        thread = threading.Thread(target=self._execute, args=(run,), name=f"run-{run.run_id}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return run

    def is_run_token(self, token: str | None) -> bool:
        return any(run.token == token and not run.terminated for run in self.all_runs())

    def run_for_task(self, task_run_id: int) -> EmulatedRun | None:
        return next((run for run in self.all_runs() if run.task_run_id == task_run_id), None)

    def all_runs(self) -> list[EmulatedRun]:
        with self._lock:
            return list(self.runs.values())

    def cancel(self, run: EmulatedRun) -> None:
        run.cancelled = True
        if run.process is not None and run.process.poll() is None:
            _stop_group(run.process)

    def stop_all(self) -> None:
        for run in self.all_runs():
            self.cancel(run)
        for thread in self._threads:
            thread.join(timeout=30)

    def _execute(self, run: EmulatedRun) -> None:
        try:
            self._run(run)
        finally:
            if run.cluster is not None and run.cluster.kind == "job":  # a job cluster ends with its run
                self.clusters.terminate(run.cluster, "Job finished")

    def _run(self, run: EmulatedRun) -> None:
        try:
            self._launch(run)
        except ApiError as error:  # raised before the task starts: no cluster, bad paths, failed library installs
            if run.cancelled:
                run.finish("TERMINATED", "CANCELED", "Run cancelled.")
            else:
                run.finish("INTERNAL_ERROR", "FAILED", error.message)
            return
        timeout = int(run.body.get("timeout_seconds") or 0) or None
        try:
            code = run.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(run.process)
            run.finish("TERMINATED", "TIMEDOUT", f"Run timed out after {timeout} seconds")
            return
        if run.cancelled:
            run.finish("TERMINATED", "CANCELED", "Run cancelled.")
        elif code == 0:
            run.finish("TERMINATED", "SUCCESS")
        else:
            last = [line for line in run._tail("stderr").splitlines() if line.strip()][-1:] or [f"exit code {code}"]
            run.finish("TERMINATED", "FAILED", last[0])

    def _launch(self, run: EmulatedRun) -> None:
        task, dbfs = run.task, self.emulator.dbfs
        if "new_cluster" in task:
            run.cluster = self.clusters.job_cluster(task["new_cluster"])
        else:
            run.cluster = self.clusters.existing(task["existing_cluster_id"])
        self.clusters.wait_running(run.cluster)
        cluster = run.cluster.spec
        packages, jars = self._install(task.get("libraries", []))
        python_file = Path(dbfs.local_for_task(task["spark_python_task"]["python_file"]))
        if not python_file.is_file():
            raise ApiError(400, "RESOURCE_DOES_NOT_EXIST", f"python_file {task['spark_python_task']['python_file']} not found")
        parameters = [dbfs.local_for_task(argument) for argument in task["spark_python_task"].get("parameters", [])]
        run.directory = self.emulator.root / "runs" / str(run.run_id)
        (run.directory / "conf").mkdir(parents=True)
        (run.directory / "tmp").mkdir()
        (run.directory / "conf" / "spark-defaults.conf").write_text(self._spark_defaults(run, cluster, packages, jars))
        env = {
            "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(run.directory)), "LANG": "C.UTF-8",
            "SPARK_CONF_DIR": str(run.directory / "conf"), "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable, "TMPDIR": str(run.directory / "tmp"),
            **{key: os.environ[key] for key in ("JAVA_HOME",) if key in os.environ},
            **{key: self._resolve_secrets(str(value)) for key, value in (cluster.get("spark_env_vars") or {}).items()},
            # Stands in for the runtime's own credentials, which a step uses to call back into the workspace.
            "DATABRICKS_TOKEN": run.token,
        }  # fmt: skip
        if env.get("PYSPARK_PYTHON") == RUNTIME_PYTHON:  # the runtime's interpreter is this one here
            env["PYSPARK_PYTHON"] = sys.executable
        if run.cancelled:
            raise ApiError(400, "CANCELED", "Run cancelled before it started.")
        run.cluster_id = run.cluster.cluster_id
        with (run.directory / "stdout").open("wb") as out, (run.directory / "stderr").open("wb") as err:
            run.process = subprocess.Popen(
                [sys.executable, str(DRIVER), self.emulator.url, str(python_file), *parameters],
                cwd=run.directory, env=env, stdout=out, stderr=err, start_new_session=True,
            )  # fmt: skip
        run.life_cycle_state = "RUNNING"

    def _install(self, libraries: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        packages, jars, problems = [], [], []
        for library in libraries:
            if "pypi" in library:
                requirement = Requirement(library["pypi"]["package"])
                problems += _installed(requirement.name, lambda found, r=requirement: r.specifier.contains(found, True))
            elif "whl" in library:
                name, wheel_version = Path(library["whl"]).name.split("-")[:2]
                problems += _installed(name, lambda found, expected=wheel_version: found == expected)
            elif "maven" in library:
                packages.append(library["maven"]["coordinates"])
            elif "jar" in library and library["jar"].startswith("dbfs:/"):
                jars.append(str(self.emulator.dbfs.local(library["jar"])))
            else:
                problems.append(f"{library} is not emulated")
        if problems:
            raise ApiError(400, "LIBRARY_INSTALLATION_FAILED", f"Library installation failed: {'; '.join(problems)}")
        return packages, jars

    def _spark_defaults(self, run: EmulatedRun, cluster: dict[str, Any], packages: list[str], jars: list[str]) -> str:
        conf = dict(EMULATOR_SPARK_DEFAULTS, **{"spark.app.name": f"databricks-emulator-run-{run.run_id}"})
        for key, value in (cluster.get("spark_conf") or {}).items():
            if (key, str(value)) in RUNTIME_ONLY_CONF:
                run.notes.append(f"dropped runtime-only {key}={value}")
                continue
            conf[key] = self._resolve_secrets(str(value))
        if self.delta_jars_dir:
            jars = [*map(str, sorted(Path(self.delta_jars_dir).glob("*.jar"))), *jars]
        else:
            packages = [_delta_coordinates(), *packages]
        if packages:
            conf["spark.jars.packages"] = ",".join(packages)
        if jars:
            conf["spark.jars"] = ",".join(jars)
        return "".join(f"{key} {value}\n" for key, value in conf.items())

    def _resolve_secrets(self, value: str) -> str:
        return SECRET_REFERENCE.sub(lambda match: self.emulator.secret(*match.groups()).decode(), value)


def _installed(name: str, accepts: Any) -> list[str]:
    try:
        found = version(name)
    except PackageNotFoundError:
        return [f"{name} is not available"]
    return [] if accepts(found) else [f"{name} {found} does not satisfy the requested version"]


def _delta_coordinates() -> str:
    spark_minor = ".".join(version("pyspark").split(".")[:2])
    return f"io.delta:delta-spark_{spark_minor}_2.13:{version('delta-spark')}"


def _stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
