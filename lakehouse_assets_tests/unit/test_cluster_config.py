"""config/cluster_config.json: every spec parses into databricks-sdk types; a wrong field is named precisely."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from databricks.sdk.service import compute, jobs

from lakehouse_assets.resources.step_launcher import MAPPED_FIELDS, PASSTHROUGH_FIELDS
from lakehouse_assets.settings import ConfigError, config_dir, load_settings
from lakehouse_assets.settings.cluster_spec import LAUNCHER_UNSUPPORTED


@pytest.fixture
def clusters_file(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir(), target)
    return target / "cluster_config.json"


def edit(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document["clusters"])
    path.write_text(json.dumps(document))


def load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as error:
        load_settings("test", path.parent)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def test_every_shipped_cluster_parses_into_sdk_types(lakehouse_home: Path) -> None:
    clusters = load_settings("prod").clusters
    assert set(clusters.clusters) == {"etl", "ml", "etl_pooled", "interactive"}
    assert clusters.default == "etl"
    assert {name: spec.lifetime for name, spec in clusters.clusters.items()} == {
        "etl": "run", "ml": "run", "etl_pooled": "step", "interactive": "step"
    }  # fmt: skip
    assert clusters.clusters["etl_pooled"].instance_pool.env == "LAKEHOUSE_DATABRICKS_POOL_ID"
    for name, spec in clusters.clusters.items():
        if spec.new_cluster is not None:
            parsed = compute.ClusterSpec.from_dict(spec.new_cluster)
            assert parsed.as_dict() == spec.new_cluster, name  # nothing dropped by from_dict
        for library in spec.libraries:
            assert compute.Library.from_dict(library).as_dict() == library
        if spec.health:
            assert jobs.JobsHealthRules.from_dict(spec.health).as_dict() == spec.health
    assert clusters.clusters["interactive"].existing_cluster_id.env == "LAKEHOUSE_DATABRICKS_CLUSTER_ID"


def _set(cluster: str, *path_and_value):
    *path, key, value = path_and_value

    def change(clusters):
        node = clusters[cluster]
        for part in path:
            node = node[part]
        node[key] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("etl", "new_cluster", "autoscale", "max_worker", 8),
         "clusters.etl: new_cluster.autoscale.max_worker: unknown field of AutoScale (known: max_workers, min_workers)"),
        (_set("ml", "new_cluster", "num_workers", "two"), "clusters.ml: new_cluster.num_workers: expected int, got str 'two'"),
        (_set("etl", "new_cluster", "data_security_mode", "SINGLE"), "new_cluster.data_security_mode: 'SINGLE' is not one of"),
        (_set("etl", "new_cluster", "spark_conf", "spark.sql.shuffle.partitions", 200),
         "new_cluster.spark_conf.spark.sql.shuffle.partitions: expected str, got int 200"),
        (_set("etl", "new_cluster", "aws_attributes", "availability", "CHEAP"), "new_cluster.aws_attributes.availability: 'CHEAP'"),
        (_set("etl", "libraries", [{"wheel": "/Volumes/x.whl"}]), "clusters.etl: libraries[0].wheel: unknown field of Library"),
        (_set("etl", "libraries", [{"pypi": {"version": "1"}}]), "libraries[0].pypi.package: missing (required by PythonPyPiLibrary)"),
        (_set("etl", "libraries", [{"whl": "/a-{versoin}.whl"}]), "libraries[0]: the only placeholder is {version}"),
        (_set("etl", "health", "rules", [{"metric": "RUN_DURATION_SECONDS", "op": "ABOVE", "value": 1}]),
         "health.rules[0].op: 'ABOVE' is not one of GREATER_THAN"),
        (_set("etl", "email_notifications", {"on_fail": ["a@example.com"]}), "email_notifications.on_fail: unknown field"),
        (_set("etl", "new_cluster", "autotermination_minutes", 30),
         "new_cluster.autotermination_minutes: valid in the Jobs API but the Dagster Databricks step launcher cannot pass it on"),
        (_set("etl", "new_cluster", "init_scripts", [{"file": {"destination": "/x.sh"}}]),
         "new_cluster.init_scripts[0].file: valid in the Jobs API but the Dagster Databricks step launcher"),
        (_set("etl", "new_cluster", "spark_conf", "spark.hadoop.fs.s3a.secret.key", "AKIA-plain"),
         "new_cluster.spark_conf.spark.hadoop.fs.s3a.secret.key: looks like a credential; use a secret reference"),
        (_set("ml", "new_cluster", "autoscale", {"min_workers": 1, "max_workers": 2}), "clusters.ml: new_cluster: give exactly one of num_workers or autoscale"),
        (_set("etl", "existing_cluster_id", "0101-abc"), "clusters.etl: give exactly one of new_cluster or existing_cluster_id"),
        (_set("interactive", "existing_cluster_id", {"variable": "X"}), "clusters.interactive.existing_cluster_id"),
        (_set("etl", "storage", {"s3": {"secret_scope": "s", "access_key_key": "a", "secret_key_key": "b"},
                                 "adls2": {"secret_scope": "s", "storage_account_name": "n", "storage_account_key_key": "k"}}),
         "clusters.etl.storage: give exactly one of s3 or adls2"),
        (_set("etl", "secrets", [{"env": "TOKEN", "scope": "s"}]), "clusters.etl.secrets.0.key: missing key"),
    ],
)  # fmt: skip
def test_a_wrong_field_fails_naming_file_cluster_and_field(clusters_file: Path, lakehouse_home: Path, change, expected) -> None:
    edit(clusters_file, change)
    assert expected in load_error(clusters_file)


def test_secret_references_and_version_placeholder_are_accepted(clusters_file: Path, lakehouse_home: Path) -> None:
    edit(clusters_file, _set("etl", "new_cluster", "spark_env_vars", {"REFERENCE_DB_PASSWORD": "{{secrets/lakehouse/db-password}}"}))
    spec = load_settings("test", clusters_file.parent).clusters.clusters["etl"]
    assert spec.new_cluster["spark_env_vars"] == {"REFERENCE_DB_PASSWORD": "{{secrets/lakehouse/db-password}}"}


def test_default_cluster_must_exist(clusters_file: Path, lakehouse_home: Path) -> None:
    document = json.loads(clusters_file.read_text())
    document["default_cluster"] = "gpu"
    clusters_file.write_text(json.dumps(document))
    assert "default_cluster 'gpu' is not a cluster (known: etl, etl_pooled, interactive, ml)" in load_error(clusters_file)


def test_launcher_mapping_covers_every_cluster_spec_field() -> None:
    """A new ClusterSpec field in a databricks-sdk upgrade must be mapped or refused, never silently dropped."""
    fields = {field.name for field in dataclasses.fields(compute.ClusterSpec)}
    refused = {path.split(".")[1] for path in LAUNCHER_UNSUPPORTED if path.count(".") == 1 and path.startswith("new_cluster.")}
    assert fields == set(PASSTHROUGH_FIELDS) | set(MAPPED_FIELDS) | refused


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("etl_pooled", "new_cluster", "node_type_id", "i3.xlarge"), "clusters.etl_pooled: new_cluster: node_type_id given, but instance_pool decides the nodes"),
        (_set("interactive", "lifetime", "run"), "clusters.interactive: lifetime 'run' and instance_pool are for a new_cluster"),
        (_set("etl", "lifetime", "forever"), "clusters.etl.lifetime"),
        (_set("etl", "idle_minutes", 0), "clusters.etl.idle_minutes"),
    ],
)
def test_cluster_lifetimes_and_pools_are_checked(clusters_file: Path, change, message: str) -> None:
    edit(clusters_file, change)
    assert message in load_error(clusters_file)


def test_a_run_cluster_needs_its_steps_in_one_process(clusters_file: Path) -> None:
    jobs_file = clusters_file.with_name("job_config.json")
    document = json.loads(jobs_file.read_text())
    document["jobs"][0]["executor"] = "multiprocess"  # daily_pipeline, on etl
    jobs_file.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=r"jobs\[0\]\.executor: 'multiprocess', but cluster 'etl' has lifetime 'run'"):
        load_settings("test", clusters_file.parent)
