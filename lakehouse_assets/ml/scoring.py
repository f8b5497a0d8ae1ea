"""Score flights in Spark with a registered model version: a vectorised pandas UDF, on the executors.

The model (a few MB) is loaded once on the driver through MLflow's pyfunc loader, which keeps the signature's
type enforcement, and ships inside the UDF. Each Spark task predicts Arrow batches with one OpenMP thread: Spark
already runs a task per core, and OpenMP threads competing with other tasks slow prediction several-fold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..lineage import NO_UPSTREAM, ColumnLineage, columns_of, same_name
from ..transforms.features import CONTEXT_COLUMNS, FEATURE_COLUMNS, KEY_COLUMNS
from .registry import CHAMPION, version_by_alias

SCORE_COLUMNS = (
    "delay_probability", "predicted_delayed", "decision_threshold", "model_name", "model_version", "in_sample",
    "scored_at",
)  # fmt: skip
_FEATURES = "features/flight_features"
# The prediction comes from the model's inputs (the feature columns it was trained on); the model's name,
# version and threshold, and the time of scoring, come from no column.
LINEAGE: ColumnLineage = {
    **same_name(_FEATURES, (*KEY_COLUMNS, *CONTEXT_COLUMNS)),
    "delay_probability": columns_of(_FEATURES, *FEATURE_COLUMNS),
    "predicted_delayed": columns_of(_FEATURES, *FEATURE_COLUMNS),
    "decision_threshold": NO_UPSTREAM,
    "model_name": NO_UPSTREAM,
    "model_version": NO_UPSTREAM,
    "in_sample": columns_of(_FEATURES, "flight_date"),
    "scored_at": NO_UPSTREAM,
}
# Spark types each MLflow column type accepts without loss.
_ACCEPTED = {
    "double": (T.DoubleType, T.FloatType, T.IntegerType, T.LongType, T.ShortType, T.ByteType),
    "float": (T.FloatType, T.IntegerType, T.ShortType, T.ByteType),
    "long": (T.LongType, T.IntegerType, T.ShortType, T.ByteType),
    "integer": (T.IntegerType, T.ShortType, T.ByteType),
    "string": (T.StringType,),
    "boolean": (T.BooleanType,),
}


class ScoringError(ValueError):
    """Scoring cannot start: no model to score with, or inputs it cannot take. Nothing has been written."""


@dataclass(frozen=True)
class ScoringModel:
    name: str
    version: str
    run_id: str
    training_start: date
    training_end: date
    decision_threshold: float
    signature: ModelSignature

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def champion(client: MlflowClient, name: str) -> ScoringModel:
    """The version `champion` points to now, pinned: a run scores every day with this one version."""
    version = version_by_alias(client, name, CHAMPION)
    if version is None:
        raise ScoringError(
            f"model {name} has no '{CHAMPION}' version to score with; materialise ml/delay_model "
            f"(or promote a version: lakehouse model promote --version N)"
        )
    return scoring_model(client, name, str(version.version))


def scoring_model(client: MlflowClient, name: str, version: str) -> ScoringModel:
    registered = client.get_model_version(name, version)
    tags = registered.tags
    signature = mlflow.models.get_model_info(f"models:/{name}/{version}").signature
    if signature is None or signature.inputs is None:
        raise ScoringError(f"model {name} v{version} has no input signature; it cannot be checked against the features")
    return ScoringModel(
        name=name,
        version=version,
        run_id=registered.run_id,
        training_start=date.fromisoformat(tags["training_start"]),
        training_end=date.fromisoformat(tags["training_end"]),
        decision_threshold=float(tags["decision_threshold"]),
        signature=signature,
    )


def signature_problems(schema: T.StructType, signature: ModelSignature) -> list[str]:
    """Each input column the model needs that is missing or of a type it cannot take."""
    fields = {field.name: field.dataType for field in schema.fields}
    problems = []
    for column in signature.inputs.inputs:
        kind = column.type.name if hasattr(column.type, "name") else str(column.type)
        if column.name not in fields:
            problems.append(f"column {column.name} ({kind}) is missing")
        elif not isinstance(fields[column.name], _ACCEPTED.get(kind, ())):
            problems.append(f"column {column.name} is {fields[column.name].simpleString()}, the model takes {kind}")
    return problems


def score(features: DataFrame, model: ScoringModel, scored_at: datetime) -> DataFrame:
    """One row per input row: keys, probability of arriving > 15 min late, class at the model's threshold, which
    model, whether the day was in its training window. Raises before any work if the inputs do not fit."""
    problems = signature_problems(features.schema, model.signature)
    if problems:
        raise ScoringError(
            f"features do not match the input signature of {model.name} v{model.version}: {'; '.join(problems)}. "
            "Nothing was written. Rebuild the features with the code the model was trained on, or train and "
            "promote a model on the current features."
        )
    inputs = [column.name for column in model.signature.inputs.inputs]
    probability = delay_probability_udf(mlflow.pyfunc.load_model(model.uri))(F.struct(*inputs))
    day = F.col("flight_date")
    return features.select(*KEY_COLUMNS, *CONTEXT_COLUMNS, probability.alias("delay_probability")).withColumns(
        {
            "predicted_delayed": (F.col("delay_probability") >= model.decision_threshold).cast("int"),
            "decision_threshold": F.lit(model.decision_threshold),
            "model_name": F.lit(model.name),
            "model_version": F.lit(int(model.version)),
            "in_sample": day.between(F.lit(model.training_start), F.lit(model.training_end)),
            "scored_at": F.lit(scored_at).cast("timestamp"),
        }
    )


def delay_probability_udf(pyfunc_model):
    """A pandas UDF over a struct of the model's inputs, returning P(delayed) (predict_proba's second column)."""

    @F.pandas_udf(T.DoubleType())
    def delay_probability(batches: Iterator[pd.DataFrame]) -> Iterator[pd.Series]:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            for batch in batches:
                yield pd.Series(pyfunc_model.predict(batch)[:, 1], index=batch.index)

    return delay_probability
