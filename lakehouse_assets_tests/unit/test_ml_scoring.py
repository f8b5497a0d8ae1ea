"""Spark scoring with a registered model: same numbers as sklearn, refuses inputs the signature does not allow."""

import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.ml.scoring import SCORE_COLUMNS, ScoringError, champion, score
from lakehouse_assets.transforms.features import CONTEXT_COLUMNS, FEATURE_COLUMNS, KEY_COLUMNS
from lakehouse_assets_tests.ml_data import feature_frame, local_mlflow, registered_champion, to_spark

SCORED_AT = datetime(2013, 3, 1, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    return registered_champion(tmp_path_factory.mktemp("mlflow"))


@pytest.fixture(scope="module")
def days(spark):
    frame = feature_frame(date(2013, 1, 6), days=2, rows_per_day=150, seed=12)
    return frame, to_spark(spark, frame)


def test_spark_scores_equal_sklearn_and_carry_the_model(registered, days) -> None:
    target, model = registered
    frame, features = days
    scoring = champion(target.client(), target.model_name)
    scored = score(features, scoring, SCORED_AT)
    assert scored.columns == [*KEY_COLUMNS, *CONTEXT_COLUMNS, *SCORE_COLUMNS]
    rows = scored.toPandas()
    expected = frame.assign(expected=model.predict_proba(frame[list(FEATURE_COLUMNS)])[:, 1])
    joined = rows.merge(expected[[*KEY_COLUMNS, "expected"]], on=list(KEY_COLUMNS))
    assert len(joined) == len(frame) == 300
    assert (joined["delay_probability"] - joined["expected"]).abs().max() < 1e-12
    assert (joined["predicted_delayed"] == (joined["delay_probability"] >= 0.3).astype(int)).all()
    assert set(rows["model_version"]) == {int(scoring.version)} and set(rows["model_name"]) == {target.model_name}
    in_sample = rows.groupby("flight_date")["in_sample"].agg(set).to_dict()
    assert in_sample == {date(2013, 1, 6): {True}, date(2013, 1, 7): {False}}  # the model trained up to Jan 6
    assert set(pd.to_datetime(rows["scored_at"], utc=True)) == {pd.Timestamp(SCORED_AT)}


def test_scoring_twice_gives_the_same_rows_but_scored_at(registered, days) -> None:
    target, _ = registered
    _, features = days
    scoring = champion(target.client(), target.model_name)
    first = score(features, scoring, SCORED_AT).drop("scored_at")
    again = score(features, scoring, datetime.now(UTC)).drop("scored_at")
    assert first.exceptAll(again).count() == 0 and again.exceptAll(first).count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("wx_temp_f"), "column wx_temp_f (double) is missing"),
        (
            lambda f: f.withColumn("distance", F.col("distance").cast("string")),
            "column distance is string, the model takes double",
        ),
    ],
)
def test_inputs_that_break_the_signature_fail_before_any_work(registered, days, change, message) -> None:
    target, _ = registered
    _, features = days
    scoring = champion(target.client(), target.model_name)
    with pytest.raises(ScoringError, match=re.escape(message)) as error:
        score(change(features), scoring, SCORED_AT)
    assert "Nothing was written" in str(error.value)
    assert f"v{scoring.version}" in str(error.value)


def test_no_champion_is_a_clear_error(tmp_path) -> None:
    target = local_mlflow(tmp_path, model_name="never_trained")
    with pytest.raises(ScoringError, match="never_trained has no 'champion' version.*materialise ml/delay_model"):
        champion(target.client(), target.model_name)
