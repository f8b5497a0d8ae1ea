"""The model performance report on tiny frames: metrics beside baseline and previous champion, gate, drift."""

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from lakehouse_assets.reporting.model_performance import (
    ModelEvidence,
    PreviousChampion,
    drift_by_feature,
    metrics_table,
    model_performance_report,
    previous_on_same_rows,
    summarize,
)

ROWS = 200


def predictions(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    random = np.random.default_rng(seed)
    label = random.integers(0, 2, rows)
    return pd.DataFrame(
        {
            "flight_date": [str(date(2013, 10, 1) + timedelta(days=i % 5)) for i in range(rows)],
            "carrier": "AA", "flight": np.arange(rows), "origin": "JFK", "sched_dep_time": 900,
            "label_delayed": label.astype(float),
            "probability": np.clip(0.3 + 0.4 * label + random.normal(0, 0.15, rows), 0.01, 0.99),  # good
            "baseline_probability": np.clip(0.4 + 0.1 * label + random.normal(0, 0.2, rows), 0.01, 0.99),  # weak
        }
    )  # fmt: skip


def drift() -> pd.DataFrame:
    days = [date(2013, 10, 1) + timedelta(days=d) for d in range(4)]
    return pd.DataFrame(
        [{"flight_date": day, "feature": feature, "psi": psi, "drifted": psi > 0.2}
         for day in days for feature, psi in (("wx_temp_f", 0.05 + 0.1 * days.index(day)), ("distance", 0.01))]
    )  # fmt: skip


def evidence(previous: PreviousChampion | None = None, decision: dict | None = None, **changes) -> ModelEvidence:
    frame = predictions()
    fields = dict(
        model_name="flight_delay_model", version="2", run_id="abc123", training_window="2013-01-01..2013-09-30",
        holdout_window="2013-10-01..2013-12-31", metrics={"roc_auc": 0.81, "pr_auc": 0.6, "brier": 0.14},
        baseline={"roc_auc": 0.63, "pr_auc": 0.4, "brier": 0.17}, predictions=frame,
        importance=pd.DataFrame({"feature": ["wx_temp_f", "distance"], "importance_mean": [0.04, 0.01],
                                 "importance_std": [0.01, 0.002]}),
        decision=decision, previous=previous, champion_now="2", drift=drift(), psi_threshold=0.2,
    )  # fmt: skip
    return ModelEvidence(**(fields | changes))


def previous_champion(covering: bool) -> PreviousChampion:
    theirs = predictions(seed=1).assign(probability=lambda f: f.baseline_probability)  # a weaker model
    return PreviousChampion(
        version="1", metrics={"roc_auc": 0.7, "brier": 0.16}, holdout_window="2013-10-01..2013-12-31",
        predictions=theirs if covering else theirs.assign(flight=theirs.flight + 10_000),
    )  # fmt: skip


def test_the_previous_champion_is_compared_on_the_same_rows_when_its_predictions_cover_them() -> None:
    same = evidence(previous=previous_champion(covering=True))
    assert len(previous_on_same_rows(same)) == ROWS
    table = metrics_table(same)
    ours = table[table.model.str.contains("this model") & table["evaluated on"].str.contains("same")].iloc[0]
    theirs = table[table.model.str.contains("previous champion")].iloc[0]
    assert theirs["evaluated on"] == f"the same {ROWS:,} holdout rows"
    assert ours.roc_auc > theirs.roc_auc  # the good model beats the weak one on identical rows
    other = metrics_table(evidence(previous=previous_champion(covering=False)))
    assert previous_on_same_rows(evidence(previous=previous_champion(covering=False))) is None
    assert other.iloc[-1]["evaluated on"] == "its own holdout 2013-10-01..2013-12-31"
    assert other.iloc[-1].roc_auc == pytest.approx(0.7)


def test_summary_numbers() -> None:
    decision = {"promoted": True, "metric": "roc_auc", "champion_version": "1", "challenger_score": 0.81,
                "champion_score": 0.7, "reason": "challenger v2 beats champion v1 on holdout roc_auc"}  # fmt: skip
    numbers = summarize(evidence(decision=decision))
    assert numbers["lift_roc_auc_over_baseline"] == pytest.approx(0.18)
    assert numbers["promoted_to_champion"] is True and numbers["gate_champion_score"] == pytest.approx(0.7)
    assert numbers["drift_days"] == 4 and numbers["max_psi"] == pytest.approx(0.35)
    assert numbers["features_drifted"] == 1
    worst = drift_by_feature(evidence()).iloc[0]
    assert (worst.feature, int(worst.days_drifted)) == ("wx_temp_f", 2)


def test_the_document_shows_curves_importance_decision_and_drift() -> None:
    decision = {"promoted": False, "reason": "challenger v2 does not beat champion v1 on holdout roc_auc"}
    html = model_performance_report(evidence(previous=previous_champion(True), decision=decision)).render()
    assert "<title>Model performance — flight_delay_model v2</title>" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 5  # ROC, PR, calibration, importance, drift
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "Not promoted; the champion stayed: challenger v2 does not beat champion v1" in html
    assert "v1 (previous champion)" in html


def test_no_previous_champion_no_drift_no_decision_are_stated() -> None:
    empty_drift = drift().iloc[0:0]
    html = model_performance_report(evidence(drift=empty_drift, champion_now=None)).render()
    assert "There was no previous champion" in html
    assert "No drift has been measured against v2" in html and "the champion is not set" in html
    assert "decision for this version was not recorded" in html
    assert "max_psi" not in summarize(evidence(drift=empty_drift))
