"""The Databricks REST test double answers like the service, and the launcher's cluster mapping is lossless.

These drive the double with the real clients (databricks-sdk, dagster-databricks' DatabricksClient and
DatabricksJobRunner), on small Python tasks that never start Spark.
"""

import io
import time

import dagster as dg
import pytest
from dagster_databricks.databricks import DatabricksClient, DatabricksJobRunner
from databricks.sdk.errors import NotFound, Unauthenticated
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
    assert run.tasks[0].cluster_instance.cluster_id == f"emulated-{run.run_id}"
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
