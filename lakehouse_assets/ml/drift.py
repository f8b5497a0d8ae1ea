"""Population stability index (PSI) of each feature, day by day, against the model's training window.

The reference profile is made once, at training, from the training sample (quantile bins of each number, shares
of each category) and logged with the model. A day's profile is computed in Spark with the same bins, so no
feature data leaves the cluster. PSI = sum over bins of (actual - expected) * ln(actual / expected), with
shares floored at 1e-4 so an empty bin counts as rare rather than infinitely surprising; missing values are a
bin of their own.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from ..transforms.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

MISSING = "missing"
UNSEEN = "unseen"  # a category the training window never had
SHARE_FLOOR = 1e-4
PROFILE_FILE = "drift/reference_profile.json"


def reference_profile(features: pd.DataFrame, bins: int, start: str, end: str) -> dict[str, Any]:
    """Bin edges and shares of every feature in the training sample (JSON-ready)."""
    numeric = {}
    for name in NUMERIC_FEATURES:
        values = features[name].to_numpy(dtype=float)
        present = values[~np.isnan(values)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])) if present.size else np.array([])
        numeric[name] = {"edges": [float(edge) for edge in edges], "shares": _shares(numeric_bins(values, edges))}
    categorical = {
        name: {"shares": _shares(features[name].fillna(MISSING).astype(str))} for name in CATEGORICAL_FEATURES
    }
    return {
        "window": {"start": start, "end": end},
        "rows": int(len(features)),
        "numeric": numeric,
        "categorical": categorical,
    }


class DriftError(ValueError):
    """Drift cannot be computed; the message says what is missing."""


def logged_profile(run_id: str) -> dict[str, Any]:
    """The reference profile logged by a training run."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=PROFILE_FILE, dst_path=folder)
        except Exception as error:  # MLflow raises several types for a missing artifact
            raise DriftError(
                f"training run {run_id} has no {PROFILE_FILE} artifact to compare drift against; retrain the model "
                "(materialise ml/delay_model)"
            ) from error
        return json.loads(Path(path).read_text())


def numeric_bins(values: np.ndarray, edges: np.ndarray) -> pd.Series:
    """Bin label of each value: the number of edges at or below it, or `missing`."""
    labels = np.searchsorted(edges, values, side="right").astype(str).astype(object)
    labels[np.isnan(values)] = MISSING
    return pd.Series(labels)


def _shares(labels: pd.Series) -> dict[str, float]:
    return {str(label): float(share) for label, share in labels.value_counts(normalize=True).sort_index().items()}


def _numeric_bin(name: str, edges: list[float]) -> Column:
    value = F.col(name).cast("double")
    position = sum((F.when(value >= F.lit(edge), 1).otherwise(0) for edge in edges), F.lit(0))
    return F.when(value.isNull() | F.isnan(value), F.lit(MISSING)).otherwise(position.cast("string"))


def _categorical_bin(name: str, known: list[str]) -> Column:
    value = F.col(name).cast("string")
    return F.when(value.isNull(), F.lit(MISSING)).when(value.isin(known), value).otherwise(F.lit(UNSEEN))


def daily_psi(features: DataFrame, profile: dict[str, Any]) -> DataFrame:
    """(flight_date, feature, psi, rows, missing_share) for every day in `features` and every profiled feature."""
    binned = [
        *[F.struct(F.lit(n).alias("feature"), _numeric_bin(n, p["edges"]).alias("bin")) for n, p in profile["numeric"].items()],
        *[F.struct(F.lit(n).alias("feature"), _categorical_bin(n, [k for k in p["shares"] if k != MISSING]).alias("bin"))
          for n, p in profile["categorical"].items()],
    ]  # fmt: skip
    counts = (
        features.select("flight_date", F.explode(F.array(*binned)).alias("b"))
        .groupBy("flight_date", "b.feature", "b.bin")
        .count()
    )
    spark = features.sparkSession
    expected = spark.createDataFrame(
        [(name, label, share) for kind in ("numeric", "categorical") for name, p in profile[kind].items()
         for label, share in p["shares"].items()],
        StructType([StructField("feature", StringType()), StructField("bin", StringType()), StructField("expected", DoubleType())]),
    )  # fmt: skip
    days = counts.select("flight_date").distinct()
    grid = days.crossJoin(expected).join(counts, ["flight_date", "feature", "bin"], "full_outer")
    per_day = F.sum(F.coalesce("count", F.lit(0))).over(Window.partitionBy("flight_date", "feature"))
    actual = F.greatest(F.coalesce(F.col("count"), F.lit(0)) / per_day, F.lit(SHARE_FLOOR))
    floor_expected = F.greatest(F.coalesce(F.col("expected"), F.lit(0.0)), F.lit(SHARE_FLOOR))
    terms = grid.withColumns({"_a": actual, "_e": floor_expected, "_rows": per_day})
    return (
        terms.groupBy("flight_date", "feature")
        .agg(
            F.sum((F.col("_a") - F.col("_e")) * F.log(F.col("_a") / F.col("_e"))).alias("psi"),
            F.first("_rows").cast("long").alias("rows"),
            F.sum(F.when(F.col("bin") == MISSING, F.coalesce("count", F.lit(0))).otherwise(0))
            .cast("long")
            .alias("_missing"),
        )
        .select("flight_date", "feature", "psi", "rows", (F.col("_missing") / F.col("rows")).alias("missing_share"))
    )
