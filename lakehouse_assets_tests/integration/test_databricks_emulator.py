"""The prod wiring, end to end, through the unmodified dagster-databricks step launcher.

No Databricks workspace is reachable from here, so the REST service is a loopback test double
(`lakehouse_assets_tests/databricks_emulator`) that runs each submitted task locally. Everything on our side is
real: the prod environment's definitions and job, the launcher resource configured from cluster_config.json,
the SDK's HTTP calls, the staged code, the step re-created from the uploaded step run ref in another process
with the cluster's Spark, and the Delta tables it writes.

The environment is `prod` with the config copied to a temporary folder and changed where no workspace exists:
no Unity Catalog (tables by path under a temporary warehouse), local landing and MLflow, a fast poll interval;
and the etl cluster gains a secret-scope variable and object-store keys so that path runs too. The cluster spec,
libraries and job binding are the shipped ones. The "cluster" gets no LAKEHOUSE_CONFIG_DIR: it can only find
this config in the staged code, so a run that writes the expected tables also shows the staged code was used.
"""

import io
import json
import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster_databricks.databricks import DatabricksClient

from lakehouse_assets.landing.seed import seed_landing_zone
from lakehouse_assets.resources.code_bundle import stage_code
from lakehouse_assets.resources.step_launcher import STEP_LAUNCHER_KEY
from lakehouse_assets.settings import DELTA_JARS_VAR, config_dir, load_settings
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets_tests import sample_data

from ..databricks_emulator import DatabricksEmulator
from .test_flights_slice import package_counts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST_DAY, LAST_DAY = date(2013, 1, 30), date(2013, 1, 31)
FLIGHTS = [dg.AssetKey(["bronze", "flights"]), dg.AssetKey(["silver", "flights"])]
# bronze/flights is computed with its quarantine and file ledger, so a run selects all three.
SLICE = [*FLIGHTS, dg.AssetKey(["bronze", "flights_quarantine"]), dg.AssetKey(["bronze", "flights_file_ledger"])]
SECRET_SCOPE, SECRET_KEY, SECRET_ENV = "lakehouse", "s3-probe", "LAKEHOUSE_PROBE_SECRET"
# What the launcher calls, and nothing more: staging uploads, the run's lifecycle, event and log reads.
LAUNCHER_ENDPOINTS = {
    "POST /api/2.0/dbfs/create", "POST /api/2.0/dbfs/add-block", "POST /api/2.0/dbfs/close",
    "GET /api/2.0/dbfs/read", "POST /api/2.2/jobs/runs/submit", "GET /api/2.2/jobs/runs/get",
}  # fmt: skip
# The test's own set-up of the scope, and the cluster side's dbutils.secrets.get.
SECRET_ENDPOINTS = {"POST /api/2.0/secrets/scopes/create", "POST /api/2.0/secrets/put", "GET /api/2.0/secrets/get"}


def prod_like_config(tmp_path: Path, home: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir(), target, ignore=shutil.ignore_patterns("__pycache__"))
    prod = yaml.safe_load((target / "env" / "prod.yaml").read_text())
    prod["storage"].update(warehouse=str(home / "warehouse"), catalog=None, reports=str(home / "reports"))
    prod["sources"]["landing"] = str(home / "landing")
    prod["mlflow"].update(tracking_uri=f"sqlite:///{home}/mlflow.db", registry_uri=f"sqlite:///{home}/mlflow.db")
    (target / "env" / "prod.yaml").write_text(yaml.safe_dump(prod))
    clusters = json.loads((target / "cluster_config.json").read_text())
    clusters["launcher"]["poll_interval_seconds"] = 0.5
    # Secret scopes to env vars and object-store keys: both read on the cluster through dbutils.secrets.
    clusters["clusters"]["etl"]["secrets"] = [{"env": SECRET_ENV, "scope": SECRET_SCOPE, "key": SECRET_KEY}]
    clusters["clusters"]["etl"]["storage"] = {
        "s3": {"secret_scope": SECRET_SCOPE, "access_key_key": SECRET_KEY, "secret_key_key": SECRET_KEY}
    }
    (target / "cluster_config.json").write_text(json.dumps(clusters))
    return target


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch):
    with DatabricksEmulator(delta_jars_dir=os.environ.get(DELTA_JARS_VAR)) as running:
        monkeypatch.setenv("DATABRICKS_HOST", running.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", running.token)
        yield running


def test_prod_job_runs_spark_steps_as_databricks_runs(
    spark, tmp_path, lakehouse_home, monkeypatch, emulator, request
) -> None:
    config = prod_like_config(tmp_path, lakehouse_home)
    monkeypatch.setenv("LAKEHOUSE_ENV", "prod")
    monkeypatch.setenv("LAKEHOUSE_CONFIG_DIR", str(config))
    settings = load_settings()
    # The launcher stages the code once per content; this config's copy is unique to the test, so drop it after.
    request.addfinalizer(lambda: shutil.rmtree(stage_code(config), ignore_errors=True))
    seed_landing_zone(settings.environment.sources.landing, FIRST_DAY, LAST_DAY)
    # silver/flights reads the airports dimension; here it is an existing table, as in a running workspace.
    sample_data.write_airports_dimension(spark, settings.environment.storage.warehouse)
    workspace = DatabricksClient(host=emulator.url, token=emulator.token).workspace_client
    workspace.secrets.create_scope(SECRET_SCOPE)
    workspace.secrets.put_secret(SECRET_SCOPE, SECRET_KEY, string_value="not-a-real-key")

    job = ReconstructableRepository.for_module("lakehouse_assets.definitions", "defs").get_reconstructable_job(
        "daily_pipeline"
    )
    tags = {ASSET_PARTITION_RANGE_START_TAG: FIRST_DAY.isoformat(), ASSET_PARTITION_RANGE_END_TAG: LAST_DAY.isoformat()}
    with dg.instance_for_test() as instance:
        result = dg.execute_job(job, instance, tags=tags, asset_selection=SLICE)
        records = instance.all_logs(result.run_id)
    assert result.success, [r.dagster_event.message for r in records if r.dagster_event and r.dagster_event.is_failure]

    # One Databricks run per Spark step (the two assets and the checks that read their tables), each submitted
    # with the etl cluster exactly as cluster_config.json says.
    started = {r.step_key for r in records if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.STEP_START}
    graph = job.get_definition().graph
    # Steps that need no Spark (the schema-change check reads only the Dagster instance) stay local.
    steps = {s for s in started if STEP_LAUNCHER_KEY in graph.node_named(s).definition.required_resource_keys}
    assert {"bronze__flights", "silver__flights"} < steps < started
    assert any("natural_key_unique" in step for step in steps)
    submitted = emulator.bodies("POST /api/2.2/jobs/runs/submit")
    assert len(submitted) == len(steps)
    etl = settings.clusters.clusters["etl"]
    for body in submitted:
        (task,) = body["tasks"]
        assert task["new_cluster"] == {
            **etl.new_cluster, "custom_tags": {**etl.new_cluster["custom_tags"], "__dagster_version": dg.__version__}
        }  # fmt: skip
        assert {"whl": "/Volumes/lakehouse/ops/wheels/lakehouse_assets-0.1.0-py3-none-any.whl"} in task["libraries"]
        assert {"pypi": {"package": f"dagster=={dg.__version__}"}} in task["libraries"]
        main_file = f"dbfs:///dagster_staging/lakehouse_assets/{result.run_id}/"
        assert task["spark_python_task"]["python_file"].startswith(main_file)
        assert (body["run_name"], body["timeout_seconds"]) == ("lakehouse_assets prod on etl", 7200)
        assert body["email_notifications"] == etl.email_notifications
        assert body["health"] == etl.health
    assert emulator.endpoints() == LAUNCHER_ENDPOINTS | SECRET_ENDPOINTS
    assert emulator.unhandled == []
    # Each Databricks run read the secret three times on the cluster: the env variable and the two object-store keys.
    secret_reads = [r.query for r in emulator.requests if r.endpoint == "GET /api/2.0/secrets/get"]
    assert secret_reads == [{"scope": SECRET_SCOPE, "key": SECRET_KEY}] * (3 * len(steps))

    # The package was staged as code.zip with the config the run was launched with.
    step_dir = f"/dagster_staging/lakehouse_assets/{result.run_id}/silver__flights"
    with zipfile.ZipFile(io.BytesIO(emulator.dbfs.local(f"{step_dir}/code.zip").read_bytes())) as code:
        names = set(code.namelist())
        assert "lakehouse_assets/definitions.py" in names
        assert json.loads(code.read("lakehouse_assets/_bundled_config/cluster_config.json")) == json.loads(
            (config / "cluster_config.json").read_text()
        )

    # The steps' events came back into this Dagster run: one materialisation per asset and day, counted remotely.
    expected = {day.isoformat(): count for day, count in package_counts(FIRST_DAY, LAST_DAY).items()}
    for key in FLIGHTS:
        events = [e.materialization for e in result.get_asset_materialization_events() if e.asset_key == key]
        assert {e.partition: e.metadata["dagster/row_count"].value for e in events} == expected
    messages = [r.user_message for r in records]
    assert sum("Waiting for Databricks run" in message for message in messages) == len(steps)
    assert any(f"Exporting {SECRET_ENV} from Databricks secret {SECRET_KEY}, scope {SECRET_SCOPE}" in m for m in messages)

    # And the Delta table is right.
    silver = read_table(spark, TableLocator(settings.environment.storage.warehouse).locate("silver", "flights"))
    counts = {row.flight_date.isoformat(): row["count"] for row in silver.groupBy("flight_date").count().collect()}
    assert counts == expected
