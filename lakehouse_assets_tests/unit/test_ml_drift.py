"""PSI computed in Spark matches the formula on the same bins; no drift on the training data itself."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.ml.drift import MISSING, SHARE_FLOOR, UNSEEN, daily_psi, numeric_bins, reference_profile
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, NUMERIC_FEATURES
from lakehouse_assets_tests.ml_data import feature_frame, to_spark


def psi(expected: dict[str, float], actual: dict[str, float]) -> float:
    labels = set(expected) | set(actual)
    e = np.array([max(expected.get(k, 0.0), SHARE_FLOOR) for k in labels])
    a = np.array([max(actual.get(k, 0.0), SHARE_FLOOR) for k in labels])
    return float(np.sum((a - e) * np.log(a / e)))


@pytest.fixture(scope="module")
def training():
    return feature_frame(date(2013, 1, 1), days=5, rows_per_day=400, seed=7)


@pytest.fixture(scope="module")
def profile(training):
    return reference_profile(training[list(FEATURE_COLUMNS)], bins=5, start="2013-01-01", end="2013-01-05")


def test_profile_has_quantile_bins_and_category_shares(profile, training) -> None:
    temp = profile["numeric"]["wx_temp_f"]
    assert len(temp["edges"]) == 4
    assert sum(temp["shares"].values()) == pytest.approx(1.0)
    assert max(temp["shares"].values()) < 0.25  # quantile bins hold about a fifth each
    assert profile["numeric"]["wx_visibility_mi"]["shares"][MISSING] == pytest.approx(
        training["wx_visibility_mi"].isna().mean()
    )
    assert set(profile["categorical"]["carrier"]["shares"]) == set(training["carrier"])


def test_spark_psi_equals_the_formula_and_flags_a_shift(spark, profile) -> None:
    day = feature_frame(date(2013, 2, 1), days=1, rows_per_day=500, seed=8)
    day["wx_temp_f"] = day["wx_temp_f"] + 1.5  # a warm day: mass moves to the upper bins
    day.loc[:99, "carrier"] = "ZZ"  # a carrier the training window never saw
    result = {row.feature: row for row in daily_psi(to_spark(spark, day), profile).collect()}
    assert set(result) == set(NUMERIC_FEATURES) | {"carrier", "origin"}

    edges = np.array(profile["numeric"]["wx_temp_f"]["edges"])
    actual = numeric_bins(day["wx_temp_f"].to_numpy(), edges).value_counts(normalize=True).to_dict()
    assert result["wx_temp_f"].psi == pytest.approx(psi(profile["numeric"]["wx_temp_f"]["shares"], actual), rel=1e-9)
    assert result["wx_temp_f"].psi > 0.25

    carriers = day["carrier"].where(day["carrier"] != "ZZ", UNSEEN).value_counts(normalize=True).to_dict()
    assert result["carrier"].psi == pytest.approx(psi(profile["categorical"]["carrier"]["shares"], carriers), rel=1e-9)
    assert result["wx_temp_f"].rows == 500
    assert result["wx_visibility_mi"].missing_share == pytest.approx(day["wx_visibility_mi"].isna().mean())
    assert result["wx_dewpoint_f"].psi < 0.1  # an unchanged feature stays quiet


def test_training_days_show_no_drift_against_their_own_profile(spark, training, profile) -> None:
    frame = daily_psi(to_spark(spark, training), profile)
    assert frame.select("flight_date").distinct().count() == 5
    assert frame.agg(F.max("psi")).first()[0] < 0.1


def test_numeric_bins_count_edges_at_or_below_and_keep_missing_apart() -> None:
    labels = numeric_bins(np.array([0.5, 1.0, 2.5, np.nan]), np.array([1.0, 2.0]))
    assert labels.tolist() == ["0", "1", "2", MISSING]
    assert pd.Series(labels).nunique() == 4
