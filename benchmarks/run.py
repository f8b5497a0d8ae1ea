"""Measure what the lakehouse costs against its limits, each figure a ratio to a baseline timed in the same run.

    .venv/bin/python benchmarks/run.py [--quick] [--json PATH]

Every measurement runs in its own scratch LAKEHOUSE_HOME under --root (default /tmp), in this one process and
SparkSession unless it says otherwise; each timing is repeated --repeats times and the median is used.
`--quick` runs everything at a tiny scale (a harness check, not a measurement). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import machine, scratch  # noqa: E402

RATIO_KEYS = (
    "orchestration_overhead_ratio", "orchestration_overhead_with_checks_ratio",
    "backfill_single_run_vs_full_load_ratio", "backfill_single_run_vs_full_load_with_checks_ratio",
    "per_partition_vs_single_run_ratio", "incremental_day365_vs_day2_ratio", "scoring_spark_vs_inprocess_ratio",
    "scoring_vectorised_vs_row_udf_ratio", "scaling_10x_vs_1x_ratio", "sensor_tick_seconds_10k_files",
    "peak_rss_mb", "warehouse_files_full_year", "test_suite_seconds",
)  # fmt: skip
FULL = dict(backfill_days=365, orchestration_days=31, scale_days=31, factor=10, per_partition_runs=10, repeats=3,
            score_rows=200_000, row_udf_rows=5_000, sensor_files=10_000, demo_days=365)  # fmt: skip
QUICK = dict(backfill_days=2, orchestration_days=1, scale_days=1, factor=10, per_partition_runs=1, repeats=1,
             score_rows=20_000, row_udf_rows=500, sensor_files=400, demo_days=2)  # fmt: skip
MEASUREMENTS = ("sensor", "scoring", "orchestration", "backfill", "scaling", "demo", "test_suite")
SUITE_ENV = "LAKEHOUSE_BENCH_TEST_SUITE_SECONDS"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny scale: checks the harness, in a few minutes")
    parser.add_argument("--json", type=Path, help="write the results here (they are printed either way)")
    parser.add_argument("--env", help="config/env/<env>.yaml whose Spark settings runs use (default dev; --quick test)")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()), help="where scratch homes go")
    parser.add_argument("--keep", action="store_true", help="keep the scratch homes afterwards")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2013, 1, 1), help="first day of every range")
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(MEASUREMENTS)}")
    for name, default in FULL.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, help=f"default {default}; --quick {QUICK[name]}")
    parser.add_argument(
        "--test-suite-seconds", type=float, default=os.environ.get(SUITE_ENV),
        help=f"record this (from an earlier timed `make test`) instead of timing the suite; also ${SUITE_ENV}",
    )  # fmt: skip
    parser.add_argument("--skip-test-suite", action="store_true", help="do not time the test suite (recorded as null)")
    parsed = parser.parse_args(argv)
    parsed.env = parsed.env or ("test" if parsed.quick else "dev")
    for name, default in (QUICK if parsed.quick else FULL).items():
        if getattr(parsed, name) is None:
            setattr(parsed, name, default)
    return parsed


def test_suite(options: argparse.Namespace) -> dict:
    """`make test` without the install step: the suite as the README runs it, minus this harness's own test."""
    if options.test_suite_seconds is not None:
        return {
            "seconds": float(options.test_suite_seconds),
            "source": "given (--test-suite-seconds or $" + SUITE_ENV + ")",
        }
    if options.quick or options.skip_test_suite:
        reason = "--quick never runs the suite" if options.quick else "--skip-test-suite"
        return {"seconds": None, "reason": f"{reason}; time it with a full run or pass --test-suite-seconds"}
    repository = Path(__file__).resolve().parents[1]
    pytest = [
        str(repository / ".venv" / "bin" / "pytest"),
        "--deselect",
        "lakehouse_assets_tests/integration/test_benchmarks_quick.py",
    ]
    started = time.perf_counter()
    completed = subprocess.run(pytest, cwd=repository, capture_output=True, text=True)
    seconds = round(time.perf_counter() - started, 1)
    return {
        "seconds": seconds,
        "exit_code": completed.returncode,
        "summary": completed.stdout.strip().splitlines()[-1:],
    }


def measure(name: str, options: argparse.Namespace, spark, record) -> dict:
    from benchmarks import pipeline, scoring, volume

    # Runs that measure a process of their own; --quick takes their figures from runs made here (a harness
    # check, not a measurement).
    in_child = not options.quick

    start = options.start
    if name == "sensor":
        return volume.sensor_tick(options.root, options.env, options.sensor_files, max(options.repeats, 3))
    if name == "scoring":
        return scoring.benchmark_scoring(options.score_rows, options.row_udf_rows, spark=spark)
    if name == "orchestration":
        end = start + timedelta(days=options.orchestration_days - 1)
        return pipeline.orchestration_overhead(options.root, options.env, spark, start, end, options.repeats)
    if name == "backfill":
        end = start + timedelta(days=options.backfill_days - 1)
        return pipeline.backfills(
            options.root, options.env, spark, start, end, options.repeats, options.per_partition_runs, record, in_child
        )
    if name == "demo":
        end = start + timedelta(days=options.demo_days - 1)
        return pipeline.demo_graph(options.root, options.env, start, end, in_child)
    if name == "scaling":
        end = start + timedelta(days=options.scale_days - 1)
        return volume.scaling(options.root, options.env, start, end, options.factor, options.repeats, in_child)
    return test_suite(options)


def headline(raw: dict) -> dict:
    def pick(*path):
        node = raw
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    return {
        "orchestration_overhead_ratio": pick("orchestration", "ratio"),
        "orchestration_overhead_with_checks_ratio": pick("orchestration", "ratio_with_checks"),
        "backfill_single_run_vs_full_load_ratio": pick("backfill", "backfill_single_run_vs_full_load", "ratio"),
        "backfill_single_run_vs_full_load_with_checks_ratio": pick(
            "backfill", "backfill_single_run_vs_full_load", "ratio_with_checks"
        ),
        "per_partition_vs_single_run_ratio": pick("backfill", "per_partition_vs_single_run", "ratio"),
        "incremental_day365_vs_day2_ratio": pick("backfill", "incremental_day_n_vs_day2", "ratio"),
        "scoring_spark_vs_inprocess_ratio": _rate_ratio(pick("scoring"), "spark", "sklearn"),
        "scoring_vectorised_vs_row_udf_ratio": _rate_ratio(pick("scoring"), "spark", "row_udf"),
        "scaling_10x_vs_1x_ratio": pick("scaling", "ratio"),
        "sensor_tick_seconds_10k_files": pick("sensor", "median_seconds"),
        "peak_rss_mb": pick("scaling", "peak_rss_1x_run_process", "peak_rss_mb"),
        "warehouse_files_full_year": pick("demo", "data_files"),
        "demo_seconds_full_year": pick("demo", "seconds"),
        "demo_peak_rss_mb": pick("demo", "peak_rss_mb"),
        "test_suite_seconds": pick("test_suite", "seconds"),
    }


def _rate_ratio(scoring: dict | None, numerator: str, denominator: str) -> float | None:
    if not scoring:
        return None
    return round(scoring[f"{numerator}_rows_per_second"] / scoring[f"{denominator}_rows_per_second"], 3)


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    os.environ.setdefault("LAKEHOUSE_ENV", options.env)
    os.environ.pop("DAGSTER_HOME", None)  # each scratch home has its own instance
    options.root = options.root / f"lakehouse-bench-{os.getpid()}"
    chosen = options.only.split(",") if options.only else list(MEASUREMENTS)
    unknown = sorted(set(chosen) - set(MEASUREMENTS))
    if unknown:
        sys.exit(f"--only: unknown measurement(s) {', '.join(unknown)}; choose from {', '.join(MEASUREMENTS)}")
    scale = {name: getattr(options, name) for name in FULL}
    report = {"mode": "quick" if options.quick else "full", "env": options.env, "scale": scale,
              "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}  # fmt: skip
    raw, errors = {}, {}
    began = time.perf_counter()
    spark = _warm_spark(options) if set(chosen) - {"sensor", "test_suite"} else None

    def save() -> None:
        report["machine"]["load_average_now"] = list(os.getloadavg())  # others share the cores: context for figures
        elapsed = round(time.perf_counter() - began, 1)
        _write(options, {**headline(raw), **report, "raw": raw, "errors": errors, "elapsed_seconds": elapsed})

    for name in chosen:
        print(f"[benchmarks] {name} …", file=sys.stderr, flush=True)

        def record(partial: dict, name: str = name) -> None:  # a measurement's figures so far
            raw[name] = partial
            save()

        try:
            raw[name] = measure(name, options, spark, record)
        except Exception:  # keep what was measured; the run still fails at the end
            errors[name] = traceback.format_exc(limit=8)[-3000:]
            print(errors[name], file=sys.stderr)
        save()
    if not options.keep:
        shutil.rmtree(options.root, ignore_errors=True)
    print(json.dumps(headline(raw), indent=2))
    return 1 if errors else 0


def _warm_spark(options: argparse.Namespace):
    """Start the one SparkSession (JVM, Delta jars, Python workers) before anything is timed."""
    from lakehouse_assets.resources.spark import build_spark_session

    settings = scratch(options.root, "warm-up", options.env).activate()
    spark = build_spark_session(settings.environment.spark, app_name="lakehouse_benchmarks")
    path = str(settings.home / "warm-up-table")
    spark.range(1000).write.format("delta").mode("overwrite").save(path)
    spark.read.format("delta").load(path).count()
    return spark


def _write(options: argparse.Namespace, result: dict) -> None:
    text = json.dumps(result, indent=2, default=str)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(text + "\n")
    print(json.dumps({key: result[key] for key in RATIO_KEYS}), file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
