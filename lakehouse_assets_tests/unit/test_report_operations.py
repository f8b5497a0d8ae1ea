"""The daily operations report on tiny frames: the day against its trailing days, risk, yesterday's outcomes."""

import re

import numpy as np
import pandas as pd
import pytest

from lakehouse_assets.reporting.daily_operations import (
    compared_by,
    daily_totals,
    summarize,
    top_risk,
)
from lakehouse_assets.reporting.operations_report import daily_operations_report
from lakehouse_assets.reporting.outcomes import outcome_counts, prediction_quality
from lakehouse_assets_tests.report_samples import DAY, YESTERDAY, delays, operations_evidence, scored


def test_outcomes_are_labelled_at_more_than_fifteen_minutes_late() -> None:
    frame = scored(YESTERDAY, [0.5] * 5, [16, 15, None, None, None], cancelled=[False, False, True, False, False],
                   diverted=[False, False, False, True, None])  # fmt: skip
    assert list(frame.outcome) == ["delayed", "on time", "cancelled", "diverted", "unknown"]
    assert list(outcome_counts(frame).flights) == [1, 1, 1, 1, 1]


def test_daily_totals_weight_by_arrivals() -> None:
    totals = daily_totals(delays())
    day = totals.loc[DAY]
    assert (day.flights, day.cancellations, day.arrived, day.delayed) == (24, 2, 20, 6)  # 0.5 * 10 + 0.1 * 10
    assert day.share_delayed == pytest.approx(0.3)
    assert day.mean_arr_delay_min == pytest.approx((15.0 * 10 + 3.0 * 10) / 20)


def test_the_day_is_set_against_its_trailing_days() -> None:
    numbers = summarize(operations_evidence())
    assert numbers["flights"] == 24 and numbers["share_delayed"] == pytest.approx(0.3)
    assert numbers["trailing_share_delayed"] == pytest.approx(0.2) and numbers["trailing_days"] == 2
    carriers = compared_by(operations_evidence(), "carrier").set_index("carrier")
    assert carriers.loc["AA", "share_delayed"] == pytest.approx(0.5)
    assert carriers.loc["AA", "share_delayed_trailing"] == pytest.approx(0.2)
    assert carriers.loc["UA", "change_in_share"] == pytest.approx(-0.1)
    assert carriers.loc["AA", "flights_trailing"] == pytest.approx(12)  # per day, not summed


def test_the_twenty_highest_risk_flights_come_first() -> None:
    top = top_risk(operations_evidence())
    assert len(top) == 20
    assert list(top["P(delay > 15 min)"]) == sorted(top["P(delay > 15 min)"], reverse=True)
    assert top["P(delay > 15 min)"].iloc[0] == pytest.approx(0.95) and top["scheduled"].iloc[0] == "07:29"
    assert top["route"].iloc[0] == "EWR → ORD"


def test_yesterday_is_judged_only_on_flights_that_arrived() -> None:
    yesterday = operations_evidence().yesterday
    quality = prediction_quality(yesterday)
    assert quality["flights_judged"] == 8  # the cancelled and the unknown flight are left out
    assert quality["roc_auc"] == pytest.approx(1.0)  # every delayed flight was ranked above every on-time one
    label = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    probability = np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1])
    assert quality["brier"] == pytest.approx(np.mean((probability - label) ** 2))
    numbers = summarize(operations_evidence())
    assert numbers["yesterday_roc_auc"] == pytest.approx(1.0) and numbers["flights_scored"] == 25


def test_the_document_is_self_contained_with_titled_plots() -> None:
    html = daily_operations_report(operations_evidence()).render()
    assert "<title>Daily operations — Sunday 10 March 2013</title>" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 6  # trend, carrier, origin, risk, calibration, ROC
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "The 20 highest-risk flights" in html and "How the predictions for 2013-03-09 fared" in html


def test_missing_scores_and_unknown_outcomes_are_stated_not_fatal() -> None:
    empty = scored(DAY, [], [])
    unknown = scored(YESTERDAY, [0.2, 0.7], [None, None])
    html = daily_operations_report(operations_evidence(today=empty, yesterday=unknown)).render()
    assert "No scores for 2013-03-10" in html
    assert "are not known yet" in html
    assert "yesterday_roc_auc" not in summarize(operations_evidence(today=empty, yesterday=unknown))
    no_table = pd.DataFrame(columns=delays().columns)  # what the asset gathers before gold has the table
    nothing = daily_operations_report(operations_evidence(today=empty, yesterday=scored(YESTERDAY, [], []), frame=no_table))
    text = nothing.render()
    assert "has no flights for 2013-03-10" in text and "No scores for 2013-03-09" in text
