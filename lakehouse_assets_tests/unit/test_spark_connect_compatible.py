"""Project code must run on Spark Connect (and Databricks serverless), which has no RDD or SparkContext API."""

import re
from pathlib import Path

import pytest

import lakehouse_assets
from lakehouse_assets.resources.spark import SparkSessionError, build_spark_session
from lakehouse_assets.settings import load_settings

FORBIDDEN = re.compile(r"\.rdd\b|\bsparkContext\b|\bSparkContext\b|\b_jsc\b|\b_jvm\b")


def offending_lines(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root.parent)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]


def test_project_code_uses_no_rdd_or_spark_context_api() -> None:
    assert offending_lines(Path(lakehouse_assets.__file__).parent) == []


def test_the_scan_finds_what_it_forbids(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "bad.py").write_text(
        "rows = frame.rdd.map(len)\nsc = spark.sparkContext\nfrom pyspark import SparkContext\nspark._jsc.sc()\nok = frame.rddish\n"
    )
    assert [line.split(":")[1] for line in offending_lines(package)] == ["1", "2", "3", "4"]


def test_databricks_connect_is_the_same_mode_and_explains_its_install(monkeypatch: pytest.MonkeyPatch, lakehouse_home) -> None:
    monkeypatch.setenv("LAKEHOUSE_SPARK_REMOTE", "databricks")
    spark = load_settings("prod").environment.spark
    assert (spark.mode, spark.remote) == ("connect", "databricks")
    # databricks-connect replaces pyspark, so it is never installed next to this project's pyspark.
    with pytest.raises(SparkSessionError, match=r"pip uninstall -y pyspark && pip install 'databricks-connect"):
        build_spark_session(spark)
