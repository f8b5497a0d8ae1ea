"""The benchmark harness runs end to end at its quick scale and writes every figure (timings are not judged).

It runs in this process, on the session's SparkSession (the harness's `getOrCreate` finds it): the same code as
`benchmarks/run.py --quick`, without a second JVM to start and warm up.
"""

import json
import math
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
FIGURES = (
    "orchestration_overhead_ratio", "orchestration_overhead_with_checks_ratio",
    "backfill_single_run_vs_full_load_ratio", "backfill_single_run_vs_full_load_with_checks_ratio",
    "per_partition_vs_single_run_ratio", "incremental_day365_vs_day2_ratio", "scoring_spark_vs_inprocess_ratio",
    "scoring_vectorised_vs_row_udf_ratio", "scaling_10x_vs_1x_ratio", "sensor_tick_seconds_10k_files", "peak_rss_mb",
    "warehouse_files_full_year", "demo_seconds_full_year", "demo_peak_rss_mb",
)  # fmt: skip


def test_quick_run_writes_every_figure(spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.syspath_prepend(str(REPOSITORY))
    from benchmarks import run

    # The harness points these at its scratch homes as it goes; the monkeypatch puts them back afterwards.
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LAKEHOUSE_ENV", "test")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("LAKEHOUSE_BENCH_TEST_SUITE_SECONDS", raising=False)
    out = tmp_path / "benchmarks.json"
    exit_code = run.main(["--quick", "--json", str(out), "--root", str(tmp_path)])
    assert exit_code == 0, capsys.readouterr().err[-4000:]
    result = json.loads(out.read_text())

    for key in FIGURES:
        value = result[key]
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, (key, value)
    # --quick never times the suite: null, with the reason next to it.
    assert result["test_suite_seconds"] is None
    assert "--quick" in result["raw"]["test_suite"]["reason"]
    assert result["errors"] == {}
    assert result["machine"]["cpu_count"] == os.cpu_count()
    raw = result["raw"]
    assert raw["scaling"]["10x"]["flight_rows"] == 10 * raw["scaling"]["1x"]["flight_rows"] > 0
    assert raw["sensor"]["files"] == 400  # 365 weather files (one a day) and 35 flight files
    # --quick takes the per-process figures from runs made in the harness and says so next to them.
    assert raw["backfill"]["per_partition_vs_single_run"]["runs_in"] == "the harness process (--quick)"
    assert raw["scaling"]["peak_rss_1x_run_process"]["runs_in"] == "the harness process (--quick)"
    assert raw["demo"]["runs_in"] == "the harness process (--quick)"
    assert {"seed", "data", "reports"} <= set(raw["demo"]["phases_seconds"])
    assert not spark.sparkContext._jsc.sc().isStopped(), "the harness leaves the shared session running"
    assert sorted(result["raw"]) == sorted(["sensor", "scoring", "orchestration", "backfill", "scaling", "demo", "test_suite"])
    # The demo's tables each hold their two days in one file (quarantines may be empty, so hold none).
    assert set(raw["demo"]["data_files_per_table"].values()) <= {0, 1} and raw["demo"]["data_files"] > 0
    assert not any(tmp_path.glob("lakehouse-bench-*")), "scratch homes are removed afterwards"
