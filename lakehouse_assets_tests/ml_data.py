"""Feature-table-shaped frames with a known signal, and a throwaway MLflow store, for fast model tests."""

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T
from sklearn.pipeline import Pipeline

from lakehouse_assets.ml.model import delay_model
from lakehouse_assets.ml.publish import model_requirements
from lakehouse_assets.ml.registry import CHAMPION, set_alias
from lakehouse_assets.ml.tracking import MlflowTarget, tracked_run
from lakehouse_assets.transforms.features import (
    CATEGORICAL_FEATURES,
    CONTEXT_COLUMNS,
    FEATURE_COLUMNS,
    KEY_COLUMNS,
    LABEL,
    NUMERIC_FEATURES,
)

CARRIERS = ("AA", "B6", "DL", "EV", "UA")
ORIGINS = ("EWR", "JFK", "LGA")


def feature_frame(first_day: date, days: int, rows_per_day: int, seed: int = 0) -> pd.DataFrame:
    """Rows shaped like features/flight_features whose delays follow carrier, hour and weather (plus noise)."""
    random = np.random.default_rng(seed)
    n = days * rows_per_day
    frame = pd.DataFrame(
        {
            "flight_date": np.repeat([first_day + timedelta(days=d) for d in range(days)], rows_per_day),
            "carrier": random.choice(CARRIERS, n),
            "flight": np.arange(n, dtype=np.int32) % 5000 + 1,
            "origin": random.choice(ORIGINS, n),
            "sched_dep_time": (random.integers(5, 23, n) * 100 + random.integers(0, 60, n)).astype(np.int32),
            "tailnum": [f"N{i % 700:03d}" for i in range(n)],
            "dest": random.choice(("ATL", "ORD", "LAX", "BOS"), n),
        }
    )
    for name in NUMERIC_FEATURES:
        frame[name] = random.normal(0, 1, n)
    frame["sched_dep_hour"] = (frame["sched_dep_time"] // 100).astype(float)
    frame.loc[random.random(n) < 0.05, "wx_visibility_mi"] = np.nan  # some missing weather, as in the real table
    signal = (
        -1.5 + 0.12 * (frame["sched_dep_hour"] - 12) + 0.8 * (frame["carrier"] == "EV")
        + 0.9 * frame["wx_precip_in"] + 0.5 * frame["network_delay_rate_1d"]
    )  # fmt: skip
    frame[LABEL] = (random.random(n) < 1 / (1 + np.exp(-signal))).astype(float)
    return frame


def feature_schema() -> T.StructType:
    numeric = [T.StructField(name, T.DoubleType()) for name in NUMERIC_FEATURES]
    return T.StructType(
        [
            T.StructField("flight_date", T.DateType()),
            T.StructField("carrier", T.StringType()),
            T.StructField("flight", T.IntegerType()),
            T.StructField("origin", T.StringType()),
            T.StructField("sched_dep_time", T.IntegerType()),
            T.StructField("tailnum", T.StringType()),
            T.StructField("dest", T.StringType()),
            *numeric,
            T.StructField(LABEL, T.IntegerType()),
        ]
    )


def to_spark(spark: SparkSession, frame: pd.DataFrame) -> DataFrame:
    ordered = frame[[*KEY_COLUMNS, *CONTEXT_COLUMNS, *NUMERIC_FEATURES, LABEL]].copy()
    ordered[LABEL] = ordered[LABEL].astype("Int64")
    records = [tuple(_plain(v) for v in row) for row in ordered.itertuples(index=False)]
    return spark.createDataFrame(records, feature_schema())


def _plain(value):
    if pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


_TEMPLATE: list[Path] = []


def empty_mlflow_database(path: Path) -> Path:
    """A fresh MLflow SQLite store at `path`: a copy of one made once per session (creating one runs every
    schema migration, seconds each time)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="mlflow-template-"))
        MlflowClient(tracking_uri=f"sqlite:///{folder / 'mlflow.db'}").search_experiments()
        _TEMPLATE.append(folder / "mlflow.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE[0], path)
    return path


def local_mlflow(folder: Path, model_name: str = "delay_model_under_test") -> MlflowTarget:
    uri = f"sqlite:///{empty_mlflow_database(folder / 'mlflow.db')}"
    return MlflowTarget(
        tracking_uri=uri,
        registry_uri=uri,
        experiment="tests",
        artifact_location=str(folder / "artifacts"),
        model_name=model_name,
        ui_url="http://127.0.0.1:5000",
    )


def registered_champion(folder: Path) -> tuple[MlflowTarget, Pipeline]:
    """A small model registered as champion in a store under `folder`, trained on 2013-01-01..2013-01-06, with
    the tags scoring reads."""
    target = local_mlflow(folder)
    train = feature_frame(date(2013, 1, 1), days=6, rows_per_day=200, seed=11)
    model = delay_model({"learning_rate": 0.1}, 40, seed=0).fit(train[list(FEATURE_COLUMNS)], train[LABEL].astype(int))
    example = train[list(FEATURE_COLUMNS)].head(3)
    with tracked_run(target, "scoring-test", {}) as run:
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(example, model.predict_proba(example)),
            pyfunc_predict_fn="predict_proba", registered_model_name=target.model_name, serialization_format="cloudpickle", pip_requirements=model_requirements(),
        )  # fmt: skip
    client = target.client()
    version = str(info.registered_model_version)
    for key, value in {
        "training_start": "2013-01-01",
        "training_end": "2013-01-06",
        "decision_threshold": "0.3",
        "run_id": run.info.run_id,
    }.items():
        client.set_model_version_tag(target.model_name, version, key, value)
    set_alias(client, target.model_name, CHAMPION, version)
    return target, model


assert set(CATEGORICAL_FEATURES) <= {"carrier", "origin"}, "feature_frame draws these categories"
