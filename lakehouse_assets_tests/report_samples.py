"""Tiny frames shaped like what the report assets gather, with known answers, for report tests."""

from datetime import date, timedelta

import numpy as np
import pandas as pd

from lakehouse_assets.reporting.daily_operations import OperationsEvidence
from lakehouse_assets.reporting.model_performance import ModelEvidence, PreviousChampion
from lakehouse_assets.reporting.outcomes import label_outcomes

DAY = date(2013, 3, 10)
YESTERDAY = DAY - timedelta(days=1)


def delays(day_shares: tuple[float, float] = (0.5, 0.1)) -> pd.DataFrame:
    """Two trailing days at 20% late for both groups, then the day at `day_shares` (AA at EWR, UA at JFK)."""
    rows = []
    for day in (DAY - timedelta(days=2), YESTERDAY, DAY):
        shares = day_shares if day == DAY else (0.2, 0.2)
        for (carrier, origin), share in zip((("AA", "EWR"), ("UA", "JFK")), shares, strict=True):
            rows.append({"flight_date": day, "carrier": carrier, "origin": origin, "flights": 12, "cancellations": 1,
                         "diversions": 1, "mean_arr_delay_min": 30.0 * share, "share_arr_delayed_15": share})  # fmt: skip
    return pd.DataFrame(rows)


def scored(day: date, probabilities, arr_delays, cancelled=None, diverted=None) -> pd.DataFrame:
    n = len(probabilities)
    return label_outcomes(
        pd.DataFrame(
            {
                "flight_date": [day] * n, "carrier": ["AA", "UA"] * (n // 2) + ["AA"] * (n % 2),
                "flight": np.arange(1, n + 1), "origin": "EWR", "sched_dep_time": [705 + i for i in range(n)],
                "dest": "ORD", "tailnum": None, "delay_probability": probabilities, "model_version": 3,
                "in_sample": False, "arr_delay": arr_delays, "cancelled": cancelled if cancelled is not None else False,
                "diverted": diverted if diverted is not None else False,
            }
        )  # fmt: skip
    )


def operations_evidence(today: pd.DataFrame | None = None, yesterday: pd.DataFrame | None = None, frame=None) -> OperationsEvidence:
    today = scored(DAY, np.linspace(0.05, 0.95, 25), [np.nan] * 25) if today is None else today
    yesterday = (
        scored(YESTERDAY, [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.5, 0.5], [60, 20, 16, 30, 15, 0, -5, 10, None, None],
               cancelled=[False] * 8 + [True, False])  # fmt: skip
        if yesterday is None
        else yesterday
    )
    return OperationsEvidence(day=DAY, delays=delays() if frame is None else frame, scores=pd.concat([yesterday, today]))


ROWS = 200


def holdout_predictions(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
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


def psi_per_day() -> pd.DataFrame:
    days = [date(2013, 10, 1) + timedelta(days=d) for d in range(4)]
    return pd.DataFrame(
        [{"flight_date": day, "feature": feature, "psi": psi, "drifted": psi > 0.2}
         for day in days for feature, psi in (("wx_temp_f", 0.05 + 0.1 * days.index(day)), ("distance", 0.01))]
    )  # fmt: skip


def model_evidence(previous: PreviousChampion | None = None, decision: dict | None = None, **changes) -> ModelEvidence:
    frame = holdout_predictions()
    fields = dict(
        model_name="flight_delay_model", version="2", run_id="abc123", training_window="2013-01-01..2013-09-30",
        holdout_window="2013-10-01..2013-12-31", metrics={"roc_auc": 0.81, "pr_auc": 0.6, "brier": 0.14},
        baseline={"roc_auc": 0.63, "pr_auc": 0.4, "brier": 0.17}, predictions=frame,
        importance=pd.DataFrame({"feature": ["wx_temp_f", "distance"], "importance_mean": [0.04, 0.01],
                                 "importance_std": [0.01, 0.002]}),
        decision=decision, previous=previous, champion_now="2", drift=psi_per_day(), psi_threshold=0.2,
    )  # fmt: skip
    return ModelEvidence(**(fields | changes))


def previous_champion(covering: bool) -> PreviousChampion:
    theirs = holdout_predictions(seed=1).assign(probability=lambda f: f.baseline_probability)  # a weaker model
    return PreviousChampion(
        version="1", metrics={"roc_auc": 0.7, "brier": 0.16}, holdout_window="2013-10-01..2013-12-31",
        predictions=theirs if covering else theirs.assign(flight=theirs.flight + 10_000),
    )  # fmt: skip
