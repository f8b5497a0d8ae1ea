import shutil
from pathlib import Path

import pytest

from lakehouse_assets.settings import ConfigError, config_dir, load_settings


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir(), target)
    return target


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_every_shipped_environment_loads(env: str, lakehouse_home: Path) -> None:
    settings = load_settings(env)
    assert settings.env == env
    assert settings.environment.partitions.start.isoformat() == "2013-01-01"


def test_home_placeholder_expands_to_lakehouse_home(lakehouse_home: Path) -> None:
    settings = load_settings("dev")
    assert settings.environment.storage.warehouse == f"{lakehouse_home.resolve()}/warehouse"
    assert settings.environment.sources.landing == f"{lakehouse_home.resolve()}/landing"


def test_env_defaults_to_lakehouse_env_variable(monkeypatch: pytest.MonkeyPatch, lakehouse_home: Path) -> None:
    monkeypatch.setenv("LAKEHOUSE_ENV", "prod")
    assert load_settings().env == "prod"


def test_unknown_env_names_the_variable_and_the_choices(lakehouse_home: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings("staging")
    assert "LAKEHOUSE_ENV='staging'" in str(error.value)
    assert "dev, prod, test" in str(error.value)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("env/test.yaml", "  master: \"local[2]\"", "  master: \"local[2]\"\n  masterr: x", "spark.masterr: unknown key"),
        ("env/test.yaml", "  start: 2013-01-01\n", "  start: someday\n", "partitions.start: Input should be a valid date"),
        ("env/test.yaml", "  timezone: America/New_York", "  timezone: Mars/Olympus", "partitions.timezone: unknown time zone"),
        ("env/test.yaml", "  experiment: \"lakehouse-delay-model-test\"\n", "", "mlflow.experiment: missing key"),
        ("env/test.yaml", "  end: 2013-12-31", "  end: 2012-12-31", "partitions: end 2012-12-31 is before start"),
        ("env/test.yaml", "  mode: local", "  mode: yarn", "spark.mode: Input should be 'local', 'connect' or 'databricks'"),
        ("job_config.json", '"executor": "in_process"', '"executor": "threads"', "jobs.0.executor"),
        ("env/test.yaml", "    job: weekly_training", "    job: nightly_training", "ml.retraining.job: 'nightly_training' is not a job in job_config.json"),
        ("job_config.json", '"cluster": "etl"', '"cluster": "gpu"', "jobs[0].cluster: 'gpu' is not a cluster"),
        ("cluster_config.json", '"timeout_seconds": 7200', '"timeout_seconds": "soon"', "clusters.etl.timeout_seconds"),
        ("env/test.yaml", "storage:\n", "storage: [\n", "not valid YAML"),
        ("env/test.yaml", "    jdbc_url: null", "    jdbc_url: \"jdbc:postgresql://db/ops?user=a&password=b\"", "sources.reference.jdbc_url: credentials do not belong in the JDBC URL"),
        ("env/test.yaml", "    jdbc_url: null", "    jdbc_url: \"jdbc:db2://db:50000/ops\"", "sources.reference: no default driver for jdbc:db2:; set driver"),
        ("env/test.yaml", "planes: {partition_column: seats, num_partitions: 2}", "planes: {partition_column: seats}", "sources.reference.tables.planes: partition_column and num_partitions go together"),
        ("env/test.yaml", "planes: {partition_column: seats, num_partitions: 2}", "trains: {}", "sources.reference.tables: unknown table(s) trains"),
        ("env/test.yaml", "planes: {partition_column: seats, num_partitions: 2}", "planes: {source: \"ops; drop table x\"}", "sources.reference.tables.planes.source: 'ops; drop table x' is not a table name"),
        ("env/test.yaml", "      token_env: null", "      token_env: \"my token\"", "sources.weather.api.token_env: 'my token' is not an environment variable name"),
        ("env/test.yaml", "      page_size: 50", "      page_size: 0", "sources.weather.api.page_size: Input should be greater than 0"),
        ("env/test.yaml", "    mode: files ", "    mode: ftp ", "sources.weather.mode: Input should be 'api' or 'files'"),
        ("env/test.yaml", "max_leaf_nodes: [15, 31]", "max_leaves: [15]", "ml.tuning.grid: unknown hyperparameter(s) max_leaves"),
        ("env/test.yaml", "  holdout: {start: 2013-01-08, end: 2013-01-10}", "  holdout: {start: 2013-01-05, end: 2013-01-10}", "ml: holdout starts 2013-01-05, not after the training window ends (2013-01-07)"),
        ("env/test.yaml", "  holdout: {start: 2013-01-08, end: 2013-01-10}", "  holdout: {start: 2013-01-08, end: 2014-01-10}", "(top level): ml.holdout 2013-01-08..2014-01-10 is outside partitions 2013-01-01..2013-12-31"),
        ("env/test.yaml", "    metric: roc_auc", "    metric: accuracy", "ml.promotion.metric: Input should be 'roc_auc', 'pr_auc', 'brier' or 'log_loss'"),
        ("env/test.yaml", "    psi_threshold: 0.2", "    psi_threshold: 0", "ml.drift.psi_threshold: Input should be greater than 0"),
        ("env/test.yaml", "  max_training_rows: 4000", "  max_training_rows: lots", "ml.max_training_rows: Input should be a valid integer"),
    ],
)
def test_bad_config_fails_with_one_line_naming_file_and_key(
    config_copy: Path, lakehouse_home: Path, file: str, old: str, new: str, expected: str
) -> None:
    _replace(config_copy / file, old, new)
    with pytest.raises(ConfigError) as error:
        load_settings("test", config_copy)
    message = str(error.value)
    assert "\n" not in message
    assert str(config_copy / file) in message
    assert expected in message


def test_missing_file_is_named(config_copy: Path, lakehouse_home: Path) -> None:
    (config_copy / "cluster_config.json").unlink()
    with pytest.raises(ConfigError, match=r"cluster_config\.json: file not found"):
        load_settings("test", config_copy)


def test_spark_remote_variable_switches_to_connect(monkeypatch: pytest.MonkeyPatch, lakehouse_home: Path) -> None:
    monkeypatch.setenv("LAKEHOUSE_SPARK_REMOTE", "sc://127.0.0.1:15002")
    spark = load_settings("dev").environment.spark
    assert (spark.mode, spark.remote) == ("connect", "sc://127.0.0.1:15002")


def test_spark_remote_variable_must_be_a_connect_url(monkeypatch: pytest.MonkeyPatch, lakehouse_home: Path) -> None:
    monkeypatch.setenv("LAKEHOUSE_SPARK_REMOTE", "http://127.0.0.1:15002")
    with pytest.raises(ConfigError, match="LAKEHOUSE_SPARK_REMOTE"):
        load_settings("dev")
