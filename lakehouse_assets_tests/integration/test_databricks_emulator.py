"""The prod wiring, end to end, through the unmodified dagster-databricks step launcher.

No Databricks workspace is reachable from here, so the REST service is a loopback test double
(`lakehouse_assets_tests/databricks_emulator`) that checks every request field as the service does, starts
(emulated) clusters that take time to start, and runs each submitted task locally. Everything on our side is
real: the prod environment's definitions and jobs, the launcher resource configured from cluster_config.json,
the SDK's HTTP calls, the staged code, each step re-created from the uploaded step run ref in another process
with the cluster's Spark, and the Delta tables and MLflow store it uses.

The environment is `prod` with the config copied to a temporary folder and changed where no workspace exists:
no Unity Catalog (tables by path under a temporary warehouse), local landing and MLflow, a fast poll interval;
and the etl cluster gains a secret-scope variable and object-store keys so that path runs too. The cluster specs,
libraries, lifetimes and job bindings are the shipped ones. The "cluster" gets no LAKEHOUSE_CONFIG_DIR: it can
only find this config in the staged code, so a run that writes the expected tables also shows the staged code
was used.
"""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster_databricks.databricks import DatabricksClient

from lakehouse_assets.landing.layout import day_dir
from lakehouse_assets.ml.publish import train_and_publish
from lakehouse_assets.ml.tracking import MlflowTarget
from lakehouse_assets.resources.code_bundle import stage_code
from lakehouse_assets.resources.step_launcher import STEP_LAUNCHER_KEY
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.settings import DELTA_JARS_VAR, Settings, config_dir, load_settings
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets_tests import sample_data
from lakehouse_assets_tests.ml_data import feature_frame, to_spark
from lakehouse_assets_tests.secrets_scan import event_log, places_holding

from ..databricks_emulator import DatabricksEmulator
from ..databricks_emulator.server import USER_NAME
from .test_flights_slice import package_counts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST_DAY, LAST_DAY = date(2013, 1, 30), date(2013, 1, 31)
RANGE_TAGS = {ASSET_PARTITION_RANGE_START_TAG: FIRST_DAY.isoformat(), ASSET_PARTITION_RANGE_END_TAG: LAST_DAY.isoformat()}
FLIGHTS = [dg.AssetKey(["bronze", "flights"]), dg.AssetKey(["silver", "flights"])]
# bronze/flights is computed with its quarantine and file ledger, so a run selects all three.
SLICE = [*FLIGHTS, dg.AssetKey(["bronze", "flights_quarantine"]), dg.AssetKey(["bronze", "flights_file_ledger"])]
SECRET_SCOPE, SECRET_KEY, SECRET_ENV = "lakehouse", "s3-probe", "LAKEHOUSE_PROBE_SECRET"
POOL_VAR, POOL = "LAKEHOUSE_DATABRICKS_POOL_ID", "0101-pool-etl"
COLD_START_SECONDS = 3.0
REPOSITORY = Path(__file__).resolve().parents[2]
# A run in a process of its own, as Dagster's run launcher starts one: the cancellation test interrupts it.
RUN_IN_ITS_OWN_PROCESS = f"""
import sys
import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository

job = ReconstructableRepository.for_module("lakehouse_assets.definitions", "defs").get_reconstructable_job("daily_pipeline")
with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
    selection = [dg.AssetKey(path) for path in {[key.path for key in SLICE]!r}]
    result = dg.execute_job(job, instance, tags={RANGE_TAGS!r}, asset_selection=selection, raise_on_error=False)
print("run ended", result.success)
"""
# What the launcher and the run's cluster call, and nothing more: the cluster's life, staging uploads, the run's
# lifecycle, event and log reads.
LAUNCHER_ENDPOINTS = {
    "POST /api/2.0/dbfs/create", "POST /api/2.0/dbfs/add-block", "POST /api/2.0/dbfs/close",
    "GET /api/2.0/dbfs/read", "POST /api/2.2/jobs/runs/submit", "GET /api/2.2/jobs/runs/get",
}  # fmt: skip
RUN_CLUSTER_ENDPOINTS = {
    "GET /api/2.0/preview/scim/v2/Me", "POST /api/2.1/clusters/create", "GET /api/2.1/clusters/get",
    "POST /api/2.1/clusters/permanent-delete",
}  # fmt: skip
# The test's own set-up of the scope, and the cluster side's dbutils.secrets.get.
SECRET_ENDPOINTS = {"POST /api/2.0/secrets/scopes/create", "POST /api/2.0/secrets/put", "GET /api/2.0/secrets/get"}


def prod_like_config(tmp_path: Path, home: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir(), target, ignore=shutil.ignore_patterns("__pycache__"))
    prod = yaml.safe_load((target / "env" / "prod.yaml").read_text())
    prod["storage"].update(warehouse=str(home / "warehouse"), catalog=None, reports=str(home / "reports"))
    prod["sources"]["landing"] = str(home / "landing")
    prod["sources"]["weather"]["mode"] = "files"
    prod["mlflow"].update(
        tracking_uri=f"sqlite:///{home}/mlflow.db", registry_uri=f"sqlite:///{home}/mlflow.db",
        artifact_location=str(home / "mlflow-artifacts"), experiment="delay-model", model_name="flight_delay_model",
    )  # fmt: skip
    (target / "env" / "prod.yaml").write_text(yaml.safe_dump(prod))
    clusters = json.loads((target / "cluster_config.json").read_text())
    clusters["launcher"]["poll_interval_seconds"] = 0.5
    # Secret scopes to env vars and object-store keys: both read on the cluster through dbutils.secrets.
    for name in ("etl", "etl_pooled"):
        clusters["clusters"][name]["secrets"] = [{"env": SECRET_ENV, "scope": SECRET_SCOPE, "key": SECRET_KEY}]
    clusters["clusters"]["etl"]["storage"] = {
        "s3": {"secret_scope": SECRET_SCOPE, "access_key_key": SECRET_KEY, "secret_key_key": SECRET_KEY}
    }
    (target / "cluster_config.json").write_text(json.dumps(clusters))
    return target


@dataclass
class Workspace:
    settings: Settings
    config: Path
    emulator: DatabricksEmulator

    def run(self, job_name: str, instance: dg.DagsterInstance, **options):
        job = ReconstructableRepository.for_module("lakehouse_assets.definitions", "defs").get_reconstructable_job(job_name)
        return dg.execute_job(job, instance, tags=RANGE_TAGS, raise_on_error=False, **options)


@pytest.fixture
def workspace(spark, tmp_path, lakehouse_home, monkeypatch, request):
    """A prod-like deployment with the landing days seeded, the reference dimensions and a champion model in
    place (as in a running workspace), against the emulated Databricks workspace."""
    config = prod_like_config(tmp_path, lakehouse_home)
    monkeypatch.setenv("LAKEHOUSE_ENV", "prod")
    monkeypatch.setenv("LAKEHOUSE_CONFIG_DIR", str(config))
    monkeypatch.setenv(POOL_VAR, POOL)
    settings = load_settings()
    # The launcher stages the code once per content; this config's copy is unique to the test, so drop it after.
    request.addfinalizer(lambda: shutil.rmtree(stage_code(config), ignore_errors=True))
    seed_landing_zone(settings.environment.sources.landing, FIRST_DAY, LAST_DAY)
    sample_data.write_dimensions(spark, settings.environment.storage.warehouse, ("airlines", "airports", "planes"))
    # Scores and drift need a champion with its training profile: trained here on synthetic features.
    test_ml = load_settings("test").environment.ml
    features = to_spark(spark, feature_frame(test_ml.training.start, 10, 150))
    train_and_publish(features, test_ml, MlflowTarget.from_settings(settings.environment.mlflow), {}, lambda _: None)
    with DatabricksEmulator(
        delta_jars_dir=os.environ.get(DELTA_JARS_VAR), cluster_start_seconds=COLD_START_SECONDS, instance_pools={POOL: {}}
    ) as emulator:
        monkeypatch.setenv("DATABRICKS_HOST", emulator.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", emulator.token)
        client = DatabricksClient(host=emulator.url, token=emulator.token).workspace_client
        client.secrets.create_scope(SECRET_SCOPE)
        client.secrets.put_secret(SECRET_SCOPE, SECRET_KEY, string_value="not-a-real-key")
        yield Workspace(settings, config, emulator)


def launched_steps(result, records) -> set[str]:
    started = {r.step_key for r in records if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.STEP_START}
    graph = result.job_def.graph
    return {step for step in started if STEP_LAUNCHER_KEY in graph.node_named(step).definition.required_resource_keys}


def test_daily_pipeline_runs_one_databricks_run_per_asset_step_on_one_cluster_for_the_run(
    spark, workspace, lakehouse_home, capfd
) -> None:
    emulator, settings = workspace.emulator, workspace.settings
    with dg.instance_for_test() as instance:
        result = workspace.run("daily_pipeline", instance)
        records = instance.all_logs(result.run_id)
        logged_events = "\n".join(event_log(instance))
        evaluations = [r for r in records if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert result.success, [r.dagster_event.message for r in records if r.dagster_event and r.dagster_event.is_failure]

    # One Databricks run per asset step: the checks ran inside them. Only the schema-change check, which reads
    # the Dagster instance, ran as a step of its own, locally.
    steps = launched_steps(result, records)
    assert len(steps) == 11 and "bronze__flights" in steps and "scores__flight_delay_scores" in steps
    assert not any("natural_key" in step or "rows_conserved" in step for step in steps)
    submitted = emulator.bodies("POST /api/2.2/jobs/runs/submit")
    assert len(submitted) == len(steps)
    where = {
        (data.asset_key.to_user_string(), data.check_name): record.step_key
        for record in evaluations
        for data in [record.dagster_event.asset_check_evaluation_data]
    }
    assert where[("silver/flights", "natural_key_unique")] == "silver__flights"
    assert where[("scores/flight_delay_scores", "every_flight_scored")] == "scores__flight_delay_scores"
    assert where[("bronze/flights", "rows_conserved")] == "bronze__flights"
    assert all((step in steps) != (name == "column_schema_change") for (_, name), step in where.items()), where

    # One cluster for the whole run: created from the etl spec at the first Spark step, used by every run, and
    # deleted when the Dagster run ended.
    (created,) = emulator.bodies("POST /api/2.1/clusters/create")
    etl = settings.clusters.clusters["etl"]
    assert {key: created[key] for key in etl.new_cluster if key != "custom_tags"} == {
        key: value for key, value in etl.new_cluster.items() if key != "custom_tags"
    }
    assert created["custom_tags"] == {**etl.new_cluster["custom_tags"], "dagster_run_id": result.run_id}
    assert created["autotermination_minutes"] == etl.idle_minutes  # should the Dagster process die
    assert created["single_user_name"] == USER_NAME  # a SINGLE_USER cluster runs as whoever launched the run
    (start,) = emulator.clusters.starts
    assert (start.kind, start.cold) == ("all-purpose", True)
    for body in submitted:
        (task,) = body["tasks"]
        assert task["existing_cluster_id"] == start.cluster_id and "new_cluster" not in task
        assert {"whl": "/Volumes/lakehouse/ops/wheels/lakehouse_assets-0.1.0-py3-none-any.whl"} in task["libraries"]
        assert {"pypi": {"package": f"dagster=={dg.__version__}"}} in task["libraries"]
        assert task["spark_python_task"]["python_file"].startswith(f"dbfs:///dagster_staging/lakehouse_assets/{result.run_id}/")
        assert (body["run_name"], body["timeout_seconds"]) == ("lakehouse_assets prod on etl", 7200)
        assert body["email_notifications"] == etl.email_notifications and body["health"] == etl.health
    assert emulator.clusters.clusters[start.cluster_id].deleted and emulator.clusters.running_ids() == []
    assert emulator.endpoints() == LAUNCHER_ENDPOINTS | RUN_CLUSTER_ENDPOINTS | SECRET_ENDPOINTS
    assert emulator.unhandled == []
    # Each Databricks run read the secret three times on the cluster: the env variable and the two object-store keys.
    secret_reads = [r.query for r in emulator.requests if r.endpoint == "GET /api/2.0/secrets/get"]
    assert secret_reads == [{"scope": SECRET_SCOPE, "key": SECRET_KEY}] * (3 * len(steps))
    messages = [r.user_message for r in records]
    assert sum("Waiting for Databricks run" in message for message in messages) == len(steps)
    assert any(f"Exporting {SECRET_ENV} from Databricks secret {SECRET_KEY}, scope {SECRET_SCOPE}" in m for m in messages)

    # The package was staged as code.zip with the config the run was launched with.
    step_dir = f"/dagster_staging/lakehouse_assets/{result.run_id}/silver__flights"
    with zipfile.ZipFile(io.BytesIO(emulator.dbfs.local(f"{step_dir}/code.zip").read_bytes())) as code:
        assert "lakehouse_assets/definitions.py" in set(code.namelist())
        assert json.loads(code.read("lakehouse_assets/_bundled_config/cluster_config.json")) == json.loads(
            (workspace.config / "cluster_config.json").read_text()
        )

    # The steps' events came back into this Dagster run: one materialisation per asset and day, counted remotely,
    # and the checks' results, every one passed or warned.
    expected = {day.isoformat(): count for day, count in package_counts(FIRST_DAY, LAST_DAY).items()}
    for key in FLIGHTS:
        events = [e.materialization for e in result.get_asset_materialization_events() if e.asset_key == key]
        assert {e.partition: e.metadata["dagster/row_count"].value for e in events} == expected
    blocking_failures = [r for r in evaluations if not r.dagster_event.asset_check_evaluation_data.passed
                         and r.dagster_event.asset_check_evaluation_data.severity == dg.AssetCheckSeverity.ERROR]  # fmt: skip
    assert blocking_failures == []

    # And the Delta tables are right, down to the scores.
    locate = TableLocator(settings.environment.storage.warehouse).locate
    silver = read_table(spark, locate("silver", "flights"))
    assert {row.flight_date.isoformat(): row["count"] for row in silver.groupBy("flight_date").count().collect()} == expected
    scores = read_table(spark, locate("scores", "flight_delay_scores"))
    assert scores.count() == read_table(spark, locate("features", "flight_features")).count() == sum(expected.values())

    # The workspace token (DATABRICKS_TOKEN, read by the launcher for every call above) is nowhere afterwards: not
    # in the event log, the warehouse, MLflow or reports, not in what was staged to DBFS or what the clusters
    # printed, not on this process's output.
    captured = capfd.readouterr()
    texts = {"event log": logged_events, "stdout": captured.out, "stderr": captured.err}
    assert places_holding(emulator.token, [lakehouse_home, emulator.root], texts) == []


def test_pooled_job_clusters_start_warm_and_end_with_their_runs(spark, workspace) -> None:
    emulator = workspace.emulator
    pooled = {"resources": {STEP_LAUNCHER_KEY: {"config": {"cluster": "etl_pooled"}}}}
    with dg.instance_for_test() as instance:
        result = workspace.run("daily_pipeline", instance, asset_selection=SLICE, run_config=pooled)
        records = instance.all_logs(result.run_id)
    assert result.success, [r.dagster_event.message for r in records if r.dagster_event and r.dagster_event.is_failure]
    submitted = emulator.bodies("POST /api/2.2/jobs/runs/submit")
    assert len(submitted) == len(launched_steps(result, records)) == 2  # bronze flights, silver flights
    spec = workspace.settings.clusters.clusters["etl_pooled"].new_cluster
    for body in submitted:
        (task,) = body["tasks"]
        assert task["new_cluster"] == {
            **spec, "instance_pool_id": POOL, "custom_tags": {**spec["custom_tags"], "__dagster_version": dg.__version__}
        }  # fmt: skip
    # A job cluster per step, none of them a cold start, each gone with its run; no all-purpose cluster at all.
    assert [(start.kind, start.instance_pool_id, start.cold) for start in emulator.clusters.starts] == [("job", POOL, False)] * 2
    assert emulator.bodies("POST /api/2.1/clusters/create") == [] and emulator.clusters.running_ids() == []


def test_a_failed_run_deletes_its_cluster(spark, workspace) -> None:
    emulator = workspace.emulator
    shutil.rmtree(day_dir(workspace.settings.environment.sources.landing, "flights", LAST_DAY))  # a day never landed
    with dg.instance_for_test() as instance:
        result = workspace.run("daily_pipeline", instance, asset_selection=SLICE)
    assert not result.success
    assert "no flights file landed for 1 day(s): 2013-01-31" in str(result.failure_data_for_node("bronze__flights"))
    (start,) = emulator.clusters.starts
    assert emulator.clusters.clusters[start.cluster_id].deleted and emulator.clusters.running_ids() == []


def test_a_cancelled_run_cancels_its_databricks_run_and_deletes_its_cluster(spark, workspace, tmp_path) -> None:
    emulator = workspace.emulator
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "dagster.yaml").touch()
    log = tmp_path / "run.log"
    with log.open("w") as output:
        child = subprocess.Popen(
            [sys.executable, "-c", RUN_IN_ITS_OWN_PROCESS, str(tmp_path / "instance")],
            cwd=REPOSITORY, env=dict(os.environ), stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not any(run.life_cycle_state == "RUNNING" for run in list(emulator.executor.runs.values())):
            assert child.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        child.send_signal(signal.SIGINT)  # what terminating a run does to its process
        child.wait(timeout=180)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert "run ended False" in log.read_text(), log.read_text()[-3000:]
    (run,) = emulator.executor.runs.values()
    assert run.cancelled and emulator.bodies("POST /api/2.2/jobs/runs/cancel") == [{"run_id": run.run_id}]
    (start,) = emulator.clusters.starts
    assert emulator.clusters.clusters[start.cluster_id].deleted and emulator.clusters.running_ids() == []
