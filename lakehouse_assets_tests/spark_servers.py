"""Real Spark servers for tests, started from pyspark's bundled distribution and bound to 127.0.0.1.

A Spark Connect server (with Delta and the test env's JDBC drivers: with Spark Connect, everything the JVM runs
is the server's) and a standalone master + worker. Each runs in its own process group and
is stopped, group and all, when its context ends, so no JVM outlives a test. Their logs stay in `workdir`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pyspark.find_spark_home import _find_spark_home

from lakehouse_assets.resources.jars import delta_maven_coordinates
from lakehouse_assets.resources.spark import DELTA_SESSION_CONF, local_jars
from lakehouse_assets.settings import DELTA_JARS_VAR, load_settings
from lakehouse_assets_tests.session_jars import cached_jars

STARTUP_SECONDS = 240  # JVM start plus, on a cold cache, Delta's jars from Maven Central
# Short-lived test JVMs: the C1 compiler alone and the serial collector halve their wall time on 2 cores.
FAST_START_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spark_env() -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_HOME": _find_spark_home(),
        "SPARK_DAEMON_JAVA_OPTS": FAST_START_JAVA_OPTIONS,  # master and worker
    }


def env_driver_packages() -> tuple[str, ...]:
    """The JDBC drivers of the test env's spark.packages (Maven coordinates)."""
    return tuple(load_settings("test").environment.spark.packages)


def jar_of(coordinate: str) -> str:
    """The file name Maven gives the jar of `group:artifact:version`."""
    _, artifact, release = coordinate.split(":")
    return f"{artifact}-{release}.jar"


def delta_submit_args(packages: Sequence[str] = ()) -> list[str]:
    """Delta and `packages` for a spark-submit'ted server: from the offline jars folder if set, else Maven coordinates.

    The session's folder (see session_jars) holds the test env's drivers next to Delta; a driver it lacks is
    resolved once into the session cache. Only the named packages' jars are passed, so a server started without
    a driver really lacks it.
    """
    folder = os.environ.get(DELTA_JARS_VAR)
    if not folder:
        return ["--packages", ",".join(delta_maven_coordinates(packages))]
    known = {jar_of(coordinate) for coordinate in env_driver_packages()} | {jar_of(coordinate) for coordinate in packages}
    wanted = {jar_of(coordinate) for coordinate in packages}
    jars = [jar for jar in local_jars(folder) if jar.name not in known or jar.name in wanted]
    missing = [coordinate for coordinate in packages if jar_of(coordinate) not in {jar.name for jar in jars}]
    if missing:
        extra = cached_jars(missing)
        if extra is None:  # no Maven here: Spark resolves the drivers itself
            return ["--jars", ",".join(map(str, jars)), "--packages", ",".join(missing)]
        jars += sorted(extra.glob("*.jar"))
    return ["--jars", ",".join(str(jar) for jar in jars)]


@contextmanager
def server_process(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env or spark_env(), cwd=log.parent, start_new_session=True
        )
    try:
        yield process
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left (a worker's executors are in its group too)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            process.poll()  # reap the leader, or the group never looks empty
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
    process.wait()


def wait_until(ready, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if ready():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} not ready after {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def spark_connect_server(workdir: Path, packages: Sequence[str] | None = None) -> Iterator[str]:
    """A Spark Connect server with Delta and `packages` (default: the test env's JDBC drivers) on a free loopback
    port; yields its sc:// URL."""
    packages = env_driver_packages() if packages is None else tuple(packages)
    port = free_port()
    conf = {
        **DELTA_SESSION_CONF,
        "spark.master": "local[2]",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.sql.warehouse.dir": str(workdir / "spark-warehouse"),
    }
    command = [
        f"{_find_spark_home()}/bin/spark-submit", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--name", "lakehouse-connect-server", "--driver-memory", "1g", "--driver-java-options", FAST_START_JAVA_OPTIONS,
        *delta_submit_args(packages),
        *[arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")], "spark-internal",
    ]  # fmt: skip
    log = workdir / "connect-server.log"
    with server_process(command, log) as process:
        wait_until(lambda: port_open(port), process, log, "Spark Connect server")
        yield f"sc://127.0.0.1:{port}"


@contextmanager
def standalone_cluster(workdir: Path, cores: int = 2, memory: str = "2g") -> Iterator[tuple[str, Path]]:
    """A standalone master and one worker; yields the spark:// URL and the worker's folder of executor logs."""
    port, master_ui, worker_ui = free_port(), free_port(), free_port()
    spark_class = f"{_find_spark_home()}/bin/spark-class"
    master_url = f"spark://127.0.0.1:{port}"
    executors = workdir / "worker"
    with ExitStack() as stack:
        master_log = workdir / "master.log"
        master = stack.enter_context(server_process(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
             "--webui-port", str(master_ui)], master_log))  # fmt: skip
        wait_until(lambda: port_open(port), master, master_log, "Spark master")
        worker_log = workdir / "worker.log"
        worker = stack.enter_context(server_process(
            [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--webui-port", str(worker_ui),
             "--cores", str(cores), "--memory", memory, "--work-dir", str(executors), master_url], worker_log))  # fmt: skip
        wait_until(lambda: alive_workers(master_ui) == 1, worker, worker_log, "Spark worker")
        yield master_url, executors


def alive_workers(master_ui: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{master_ui}/json/", timeout=2) as response:
            return int(json.load(response).get("aliveworkers", 0))
    except OSError:
        return 0
