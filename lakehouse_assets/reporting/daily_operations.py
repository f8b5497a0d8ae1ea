"""A day's operations in numbers: how late it ran against its trailing days, which flights the model fears most,
and how the previous day's predictions fared once the flights had landed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .outcomes import prediction_quality

TRAILING_DAYS = 28
TOP_FLIGHTS = 20
_DELAY_TYPES = {
    "flights": "int64", "cancellations": "int64", "diversions": "int64", "mean_arr_delay_min": "float64",
    "share_arr_delayed_15": "float64",
}  # fmt: skip


@dataclass(frozen=True)
class OperationsEvidence:
    day: date
    delays: pd.DataFrame  # gold/daily_delay_summary of [day - 28, day]: flight_date, carrier, origin, flights,
    #                       cancellations, diversions, mean_arr_delay_min, share_arr_delayed_15
    scores: pd.DataFrame  # scores of day - 1 and day: keys, dest, tailnum, delay_probability, model_version,
    #                       in_sample, arr_delay, outcome ('delayed' | 'on time' | 'cancelled' | 'diverted' | 'unknown')

    @property
    def today(self) -> pd.DataFrame:
        return self.scores[self.scores.flight_date == self.day]

    @property
    def yesterday(self) -> pd.DataFrame:
        return self.scores[self.scores.flight_date == self.day - timedelta(days=1)]


def daily_totals(delays: pd.DataFrame) -> pd.DataFrame:
    """Per day: flights, cancelled, arrived, arrivals > 15 min late, their share, the mean arrival delay (minutes)."""
    counts = {name: 0 for name, kind in _DELAY_TYPES.items() if kind == "int64"}
    delays = delays.fillna(counts).astype(_DELAY_TYPES)  # an empty frame (no table yet) has no types of its own
    frame = delays.assign(
        arrived=delays.flights - delays.cancellations - delays.diversions,
    ).assign(
        delayed=lambda f: (f.share_arr_delayed_15.fillna(0) * f.arrived).round(),
        delay_minutes=lambda f: f.mean_arr_delay_min.fillna(0) * f.arrived,
    )
    totals = frame.groupby("flight_date")[["flights", "cancellations", "arrived", "delayed", "delay_minutes"]].sum()
    arrived = totals.arrived.where(totals.arrived > 0)
    return totals.assign(
        share_delayed=totals.delayed / arrived,
        share_cancelled=totals.cancellations / totals.flights.where(totals.flights > 0),
        mean_arr_delay_min=totals.delay_minutes / arrived,
    ).drop(columns="delay_minutes")


def trailing_days(evidence: OperationsEvidence) -> list[date]:
    """The days of the trailing window that have data (at most 28, before the day)."""
    first = evidence.day - timedelta(days=TRAILING_DAYS)
    return sorted({d for d in evidence.delays.flight_date if first <= d < evidence.day})


def compared_by(evidence: OperationsEvidence, column: str) -> pd.DataFrame:
    """Per carrier (or origin): the day's flights, share delayed and mean arrival delay beside the trailing days'."""
    delays = evidence.delays
    day = delays[delays.flight_date == evidence.day]
    trailing = delays[delays.flight_date.isin(trailing_days(evidence))]

    def per_group(frame: pd.DataFrame) -> pd.DataFrame:
        totals = daily_totals(frame.assign(flight_date=frame[column]))
        return totals[["flights", "share_delayed", "mean_arr_delay_min"]]

    merged = per_group(day).join(per_group(trailing), rsuffix="_trailing", how="left")
    merged["flights_trailing"] = merged.flights_trailing / max(1, len(trailing_days(evidence)))  # per day
    merged["change_in_share"] = merged.share_delayed - merged.share_delayed_trailing
    return merged.reset_index().rename(columns={"flight_date": column}).sort_values("flights", ascending=False)


def compared_table(evidence: OperationsEvidence, column: str) -> pd.DataFrame:
    """`compared_by` for people: shares in percent, units in the headers."""
    compared = compared_by(evidence, column)
    return pd.DataFrame(
        {
            column: compared[column],
            "flights": compared.flights,
            "late (%)": compared.share_delayed * 100,
            "mean arrival delay (min)": compared.mean_arr_delay_min,
            f"flights per day, {TRAILING_DAYS}d": compared.flights_trailing,
            f"late (%), {TRAILING_DAYS}d": compared.share_delayed_trailing * 100,
            f"mean arrival delay (min), {TRAILING_DAYS}d": compared.mean_arr_delay_min_trailing,
            "change in late (% points)": compared.change_in_share * 100,
        }
    )


def top_risk(evidence: OperationsEvidence, count: int = TOP_FLIGHTS) -> pd.DataFrame:
    today = evidence.today.nlargest(count, "delay_probability")
    return pd.DataFrame(
        {
            "flight": today.carrier + " " + today.flight.astype(str),
            "route": today.origin + " → " + today.dest.fillna("?"),
            "scheduled": today.sched_dep_time.map(lambda t: f"{int(t) // 100:02d}:{int(t) % 100:02d}"),
            "plane": today.tailnum.fillna("–"),
            "P(delay > 15 min)": today.delay_probability,
            "arrival delay (min)": today.arr_delay,
            "outcome": today.outcome,
        }
    ).reset_index(drop=True)


def summarize(evidence: OperationsEvidence) -> dict[str, float | int]:
    """The numbers people check, for the materialisation (only those that are known)."""
    totals = daily_totals(evidence.delays)
    numbers: dict[str, float | int] = {"flights": 0}
    if evidence.day in totals.index:
        row = totals.loc[evidence.day]
        numbers.update(flights=int(row.flights), cancellations=int(row.cancellations), delayed_arrivals=int(row.delayed))
        numbers.update({k: float(row[k]) for k in ("share_delayed", "mean_arr_delay_min") if pd.notna(row[k])})
    trailing = totals.loc[totals.index.isin(trailing_days(evidence))]
    if not trailing.empty and trailing.arrived.sum() > 0:
        numbers["trailing_share_delayed"] = float(trailing.delayed.sum() / trailing.arrived.sum())
        numbers["trailing_days"] = len(trailing)
    today = evidence.today
    numbers["flights_scored"] = len(today)
    if len(today):
        numbers["mean_predicted_risk"] = float(today.delay_probability.mean())
        numbers["max_predicted_risk"] = float(today.delay_probability.max())
    quality = prediction_quality(evidence.yesterday)
    if quality is not None:
        numbers.update({f"yesterday_{k}": v for k, v in quality.items() if not np.isnan(v)})
    return numbers
