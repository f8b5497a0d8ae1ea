"""The model performance report on tiny frames: metrics beside baseline and previous champion, gate, drift."""

import re

import pytest

from lakehouse_assets.reporting.model_performance import (
    drift_by_feature,
    metrics_table,
    previous_on_same_rows,
    summarize,
)
from lakehouse_assets.reporting.model_report import model_performance_report
from lakehouse_assets_tests.report_samples import ROWS, model_evidence, previous_champion, psi_per_day


def test_the_previous_champion_is_compared_on_the_same_rows_when_its_predictions_cover_them() -> None:
    same = model_evidence(previous=previous_champion(covering=True))
    assert len(previous_on_same_rows(same)) == ROWS
    table = metrics_table(same)
    ours = table[table.model.str.contains("this model") & table["evaluated on"].str.contains("same")].iloc[0]
    theirs = table[table.model.str.contains("previous champion")].iloc[0]
    assert theirs["evaluated on"] == f"the same {ROWS:,} holdout rows"
    assert ours.roc_auc > theirs.roc_auc  # the good model beats the weak one on identical rows
    other = metrics_table(model_evidence(previous=previous_champion(covering=False)))
    assert previous_on_same_rows(model_evidence(previous=previous_champion(covering=False))) is None
    assert other.iloc[-1]["evaluated on"] == "its own holdout 2013-10-01..2013-12-31"
    assert other.iloc[-1].roc_auc == pytest.approx(0.7)


def test_summary_numbers() -> None:
    decision = {"promoted": True, "metric": "roc_auc", "champion_version": "1", "challenger_score": 0.81,
                "champion_score": 0.7, "reason": "challenger v2 beats champion v1 on holdout roc_auc"}  # fmt: skip
    numbers = summarize(model_evidence(decision=decision))
    assert numbers["lift_roc_auc_over_baseline"] == pytest.approx(0.18)
    assert numbers["promoted_to_champion"] is True and numbers["gate_champion_score"] == pytest.approx(0.7)
    assert numbers["drift_days"] == 4 and numbers["max_psi"] == pytest.approx(0.35)
    assert numbers["features_drifted"] == 1
    worst = drift_by_feature(model_evidence()).iloc[0]
    assert (worst.feature, int(worst.days_drifted)) == ("wx_temp_f", 2)


def test_the_document_shows_curves_importance_decision_and_drift() -> None:
    decision = {"promoted": False, "reason": "challenger v2 does not beat champion v1 on holdout roc_auc"}
    html = model_performance_report(model_evidence(previous=previous_champion(True), decision=decision)).render()
    assert "<title>Model performance — flight_delay_model v2</title>" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 5  # ROC, PR, calibration, importance, drift
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "Not promoted; the champion stayed: challenger v2 does not beat champion v1" in html
    assert "v1 (previous champion)" in html


def test_no_previous_champion_no_drift_no_decision_are_stated() -> None:
    empty_drift = psi_per_day().iloc[0:0]
    html = model_performance_report(model_evidence(drift=empty_drift, champion_now=None)).render()
    assert "There was no previous champion" in html
    assert "No drift has been measured against v2" in html and "the champion is not set" in html
    assert "decision for this version was not recorded" in html
    assert "max_psi" not in summarize(model_evidence(drift=empty_drift))
