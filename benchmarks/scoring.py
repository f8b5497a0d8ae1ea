"""Scoring throughput: the project's Spark scoring against in-process scikit-learn and a row-at-a-time UDF.

All three score the same rows with the same fitted model:
- `spark`: lakehouse_assets.ml.scoring.score (the pandas UDF scores/flight_delay_scores uses), forced to run
  to the end by Spark's `noop` sink;
- `sklearn`: predict_proba on the rows as one pandas frame, in this process;
- `row_udf`: a plain Python UDF calling predict_proba once per row (on fewer rows: it is that slow).

The rows are synthetic by default (feature-table columns, a model fitted on them and registered in a
throwaway MLflow store); with `source="warehouse"` they are the environment's features/flight_features and its
`champion` model. Run: `.venv/bin/python -m benchmarks.scoring [--rows N] [--warehouse]`.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.ml.model import delay_model
from lakehouse_assets.ml.publish import model_requirements
from lakehouse_assets.ml.registry import CHAMPION, set_alias
from lakehouse_assets.ml.scoring import champion, score
from lakehouse_assets.ml.tracking import MlflowTarget, tracked_run
from lakehouse_assets.resources.spark import build_spark_session
from lakehouse_assets.settings import load_settings
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, KEY_COLUMNS, NUMERIC_FEATURES


def synthetic_rows(rows: int, seed: int = 0) -> pd.DataFrame:
    """Keys and features in the feature table's columns and types, with a label that depends on a few of them."""
    random = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "flight_date": [date(2013, 1, 1) + timedelta(days=int(d)) for d in random.integers(0, 365, rows)],
            "carrier": random.choice(["AA", "B6", "DL", "EV", "UA", "WN"], rows),
            "flight": np.arange(rows, dtype=np.int32),
            "origin": random.choice(["EWR", "JFK", "LGA"], rows),
            "sched_dep_time": (random.integers(5, 23, rows) * 100).astype(np.int32),
            "tailnum": [f"N{number:05d}" for number in random.integers(0, 4000, rows)],
            "dest": random.choice(["ATL", "BOS", "LAX", "ORD", "SFO"], rows),
        }
    )
    for name in NUMERIC_FEATURES:
        frame[name] = random.normal(0, 1, rows)
    signal = (
        -1.4 + 0.9 * frame["wx_precip_in"] + 0.6 * (frame["carrier"] == "EV") + 0.5 * frame["network_delay_rate_1d"]
    )
    frame["label_delayed"] = (random.random(rows) < 1 / (1 + np.exp(-signal))).astype(int)
    return frame


def register_synthetic_model(target: MlflowTarget, rows: pd.DataFrame, max_iter: int = 200) -> None:
    """Fit the project's delay model on synthetic rows and register it as `champion` of `target`, with the
    version tags scoring reads (training window, decision threshold)."""
    train = rows.head(50_000)
    model = delay_model({"learning_rate": 0.1, "max_leaf_nodes": 31}, max_iter, seed=0)
    model.fit(train[list(FEATURE_COLUMNS)], train["label_delayed"])
    example = train[list(FEATURE_COLUMNS)].head(5)
    with tracked_run(target, "scoring benchmark", {}):
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(example, model.predict_proba(example)),
            pyfunc_predict_fn="predict_proba", registered_model_name=target.model_name,
            serialization_format="cloudpickle", pip_requirements=model_requirements(),
        )  # fmt: skip
    client, version = target.client(), str(info.registered_model_version)
    for key, value in {
        "training_start": "2013-01-01",
        "training_end": "2013-12-31",
        "decision_threshold": "0.5",
    }.items():
        client.set_model_version_tag(target.model_name, version, key, value)
    set_alias(client, target.model_name, CHAMPION, version)


def _throwaway_target(folder: Path) -> MlflowTarget:
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    return MlflowTarget(uri, uri, "scoring-benchmark", str(folder / "artifacts"), "scoring_benchmark_model")


def _rows_per_second(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else float("inf")


def _timed_noop(frame: DataFrame) -> float:
    started = time.perf_counter()
    frame.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started


def benchmark_scoring(
    rows: int = 200_000, row_udf_rows: int = 5_000, source: str = "synthetic", spark: SparkSession | None = None
) -> dict[str, object]:
    """Rows per second of each way of scoring, on the same rows and model; see the module docstring."""
    settings = load_settings()
    spark = spark or build_spark_session(settings.environment.spark, app_name="scoring_benchmark")
    with tempfile.TemporaryDirectory() as folder:
        if source == "warehouse":
            target = MlflowTarget.from_settings(settings.environment.mlflow)
            table = TableLocator(settings.environment.storage.warehouse, settings.environment.storage.catalog)
            features = read_table(spark, table.locate("features", "flight_features")).limit(rows)
        else:
            data = synthetic_rows(rows)
            target = _throwaway_target(Path(folder))
            register_synthetic_model(target, data)
            features = spark.createDataFrame(data)
        features = features.cache()
        count = features.count()
        model = champion(target.client(), target.model_name)
        sk_model = mlflow.sklearn.load_model(model.uri)

        _timed_noop(score(features.limit(1000), model, datetime.now(UTC)))  # start the Python workers
        spark_seconds = _timed_noop(score(features, model, datetime.now(UTC)))

        frame = features.select(*KEY_COLUMNS, *[c for c in FEATURE_COLUMNS if c not in KEY_COLUMNS]).toPandas()
        started = time.perf_counter()
        sk_model.predict_proba(frame[list(FEATURE_COLUMNS)])
        sklearn_seconds = time.perf_counter() - started

        inputs = list(FEATURE_COLUMNS)

        @F.udf("double")
        def one_row(*values):
            return float(sk_model.predict_proba(pd.DataFrame([values], columns=inputs))[0, 1])

        few = features.limit(row_udf_rows).cache()
        few_count = few.count()
        row_seconds = _timed_noop(few.select(one_row(*inputs).alias("p")))
        features.unpersist()
        few.unpersist()
    return {
        "source": source,
        "model": f"{model.name} v{model.version}",
        "rows": count,
        "spark_rows_per_second": _rows_per_second(count, spark_seconds),
        "sklearn_rows_per_second": _rows_per_second(count, sklearn_seconds),
        "row_udf_rows": few_count,
        "row_udf_rows_per_second": _rows_per_second(few_count, row_seconds),
        "spark_seconds": round(spark_seconds, 3),
        "sklearn_seconds": round(sklearn_seconds, 3),
        "row_udf_seconds": round(row_seconds, 3),
        "cpu_count": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--row-udf-rows", type=int, default=5_000)
    parser.add_argument("--warehouse", action="store_true", help="score features/flight_features with the champion")
    arguments = parser.parse_args()
    source = "warehouse" if arguments.warehouse else "synthetic"
    print(json.dumps(benchmark_scoring(arguments.rows, arguments.row_udf_rows, source), indent=2))


if __name__ == "__main__":
    main()
