"""The Databricks REST test double answers and checks requests like the service, and the launcher's cluster
mapping is lossless.

These drive the double with the real clients (databricks-sdk, dagster-databricks' DatabricksClient and
DatabricksJobRunner), on small Python tasks that never start Spark.
"""

import io
import time

import dagster as dg
import pytest
from dagster_databricks.databricks import DatabricksClient, DatabricksJobRunner
from databricks.sdk.errors import DatabricksError, NotFound, Unauthenticated
from databricks.sdk.service import jobs

from lakehouse_assets.resources.step_launcher import launcher_cluster

from ..databricks_emulator import DatabricksEmulator

pytestmark = pytest.mark.integration

# Every field the launcher passes on, with Jobs-API values.
EVERY_SUPPORTED_FIELD = {
    "spark_version": "17.3.x-scala2.13",
    "node_type_id": "i3.xlarge",
    "driver_node_type_id": "i3.2xlarge",
    "autoscale": {"min_workers": 1, "max_workers": 3},
    "spark_conf": {"spark.sql.session.timeZone": "UTC"},
    "spark_env_vars": {"PROBE": "{{secrets/ops/probe}}"},
    "aws_attributes": {"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1, "zone_id": "auto"},
    "ssh_public_keys": ["ssh-ed25519 AAAA example"],
    "data_security_mode": "SINGLE_USER",
    "single_user_name": "etl-runner@example.com",
    "cluster_log_conf": {"dbfs": {"destination": "dbfs:/cluster-logs"}},
    "init_scripts": [{"volumes": {"destination": "/Volumes/ops/init/setup.sh"}}, {"workspace": {"destination": "/Shared/init.sh"}}],
    "enable_elastic_disk": True,
    "enable_local_disk_encryption": False,
    "runtime_engine": "PHOTON",
    "policy_id": "ABC123",
    "custom_tags": {"project": "lakehouse_assets"},
}


@pytest.fixture
def emulator():
    with DatabricksEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: DatabricksEmulator) -> DatabricksClient:
    return DatabricksClient(host=emulator.url, token=emulator.token)


def wait(client: DatabricksClient, run_id: int) -> jobs.Run:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = client.workspace_client.jobs.get_run(run_id)
        if run.state.life_cycle_state.value in ("TERMINATED", "INTERNAL_ERROR"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


def submit(client: DatabricksClient, source: str, cluster: dict | None = None, **task_fields) -> int:
    client.put_file(io.BytesIO(source.encode()), "dbfs:///stage/main.py", overwrite=True)
    task = {"task_key": "t", "new_cluster": cluster or {"spark_version": "x", "node_type_id": "n", "num_workers": 0},
            "spark_python_task": {"python_file": "dbfs:///stage/main.py", "parameters": ["/dbfs/stage/input.txt"]}}  # fmt: skip
    return client.workspace_client.jobs.submit(run_name="probe", tasks=[jobs.SubmitTask.from_dict(task)], **task_fields).run_id


def test_the_launcher_submits_exactly_the_jobs_api_cluster_spec(emulator, client) -> None:
    runner = DatabricksJobRunner(host=emulator.url, token=emulator.token)
    task = {"spark_python_task": {"python_file": "dbfs:///absent.py", "parameters": []}}
    run_id = runner.submit_run({"cluster": {"new": launcher_cluster(EVERY_SUPPORTED_FIELD)}, "run_name": "mapping"}, task)
    (body,) = emulator.bodies("POST /api/2.2/jobs/runs/submit")
    tags = {**EVERY_SUPPORTED_FIELD["custom_tags"], "__dagster_version": dg.__version__}
    assert body["tasks"][0]["new_cluster"] == {**EVERY_SUPPORTED_FIELD, "custom_tags": tags}
    failed = wait(client, run_id)  # no such file: the run fails before starting, as on a cluster
    assert (failed.state.life_cycle_state.value, failed.state.result_state.value) == ("INTERNAL_ERROR", "FAILED")
    assert "dbfs:///absent.py not found" in failed.state.state_message


def test_dbfs_streams_large_files_and_names_missing_ones(client, emulator) -> None:
    payload = bytes(range(256)) * 9000  # > 2 MB: three add-block calls, three reads
    client.put_file(io.BytesIO(payload), "dbfs:///stage/big.bin", overwrite=True)
    assert client.read_file("dbfs:///stage/big.bin") == payload
    assert len(emulator.bodies("POST /api/2.0/dbfs/add-block")) == 3
    with pytest.raises(NotFound) as missing:
        client.read_file("dbfs:///stage/absent.bin")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    status = client.workspace_client.dbfs.get_status("/stage/big.bin")
    assert (status.is_dir, status.file_size) == (False, len(payload))
    with pytest.raises(Unauthenticated):
        DatabricksClient(host=emulator.url, token="wrong").read_file("dbfs:///stage/big.bin")


def test_a_task_sees_the_cluster_env_with_secrets_and_its_fuse_paths(client, emulator) -> None:
    client.workspace_client.secrets.create_scope("ops")
    client.workspace_client.secrets.put_secret("ops", "probe", string_value="s3cr3t")
    client.put_file(io.BytesIO(b"landed"), "dbfs:///stage/input.txt", overwrite=True)
    source = (
        "import os, sys\n"
        "print(open(sys.argv[1]).read(), os.environ['PROBE'] == 's3cr3t', dbutils.secrets.get('ops', 'probe') == 's3cr3t')\n"
    )
    cluster = {**EVERY_SUPPORTED_FIELD}
    run = wait(client, submit(client, source, cluster))
    assert run.state.result_state.value == "SUCCESS", run.state.state_message
    assert run.tasks[0].cluster_instance.cluster_id == emulator.clusters.starts[-1].cluster_id  # the run's job cluster
    output = client.workspace_client.jobs.get_run_output(run.tasks[0].run_id)
    assert output.logs.strip() == "landed True True"


def test_failures_timeouts_and_cancellation_end_runs_like_the_service(client, emulator) -> None:
    failed = wait(client, submit(client, "raise SystemExit('bad input: no rows')\n"))
    assert (failed.state.result_state.value, failed.state.state_message) == ("FAILED", "bad input: no rows")
    assert client.workspace_client.jobs.get_run_output(failed.tasks[0].run_id).error == "bad input: no rows"

    timed_out = wait(client, submit(client, "import time\ntime.sleep(60)\n", timeout_seconds=1))
    assert timed_out.state.result_state.value == "TIMEDOUT"

    run_id = submit(client, "import time\ntime.sleep(60)\n")
    while client.workspace_client.jobs.get_run(run_id).state.life_cycle_state.value != "RUNNING":
        time.sleep(0.1)
    client.workspace_client.jobs.cancel_run(run_id)
    assert wait(client, run_id).state.result_state.value == "CANCELED"
    assert emulator.unhandled == []


def test_every_request_field_is_checked_like_the_service_does(emulator, client) -> None:
    def refused(method: str, path: str, body: dict) -> str:
        with pytest.raises(DatabricksError) as error:
            client.workspace_client.api_client.do(method, path, body=body)
        assert error.value.error_code == "INVALID_PARAMETER_VALUE"
        return str(error.value)

    task = {"task_key": "t", "spark_python_task": {"python_file": "dbfs:///stage/main.py"},
            "new_cluster": {"spark_version": "x", "node_type_id": "n", "num_workers": 1}}  # fmt: skip
    # Top level, and any depth of any task, not only the first.
    assert "run_nmae: unknown field" in refused("POST", "/api/2.2/jobs/runs/submit", {"run_nmae": "x", "tasks": [task]})
    typo = {**task, "new_cluster": {**task["new_cluster"], "autoscale": {"max_worker": 3}}}
    assert "tasks[1].new_cluster.autoscale.max_worker: unknown field" in refused(
        "POST", "/api/2.2/jobs/runs/submit", {"tasks": [task, typo]}
    )
    no_key = {key: value for key, value in task.items() if key != "task_key"}
    assert "tasks[0].task_key: required field missing" in refused("POST", "/api/2.2/jobs/runs/submit", {"tasks": [no_key]})
    assert "timeout_seconds: expected int, got str" in refused(
        "POST", "/api/2.2/jobs/runs/submit", {"tasks": [task], "timeout_seconds": "60"}
    )
    assert "spark_version: required field missing" in refused("POST", "/api/2.1/clusters/create", {"node_type_id": "n"})
    assert "overwrit: unknown field" in refused("POST", "/api/2.0/dbfs/create", {"path": "/x", "overwrit": True})
    assert emulator.bodies("POST /api/2.2/jobs/runs/submit") and not emulator.executor.runs  # nothing was run


def test_clusters_take_time_to_start_and_every_start_is_counted() -> None:
    with DatabricksEmulator(cluster_start_seconds=1.0, instance_pools={"pool-warm": {}}) as emulator:
        client = DatabricksClient(host=emulator.url, token=emulator.token)
        clusters = client.workspace_client.clusters
        created = client.workspace_client.api_client.do(
            "POST", "/api/2.1/clusters/create", body={"spark_version": "x", "node_type_id": "n", "num_workers": 1}
        )
        cluster_id = created["cluster_id"]
        assert clusters.get(cluster_id).state.value == "PENDING"
        assert clusters.wait_get_cluster_running(cluster_id).state.value == "RUNNING"
        pooled = {"spark_version": "x", "instance_pool_id": "pool-warm", "num_workers": 1}
        run = wait(client, submit(client, "print('warm')\n", pooled))
        assert run.state.result_state.value == "SUCCESS"
        with pytest.raises(DatabricksError, match="instance pool pool-gone does not exist"):
            submit(client, "print('x')\n", {**pooled, "instance_pool_id": "pool-gone"})
        clusters.permanent_delete(cluster_id)
        with pytest.raises(DatabricksError, match=f"Cluster {cluster_id} does not exist"):
            clusters.get(cluster_id)
        assert [(start.kind, start.cold) for start in emulator.clusters.starts] == [("all-purpose", True), ("job", False)]
        assert emulator.clusters.running_ids() == []  # the job cluster ended with its run
