"""The daily operations report as a document: the day against its trailing days, risk, yesterday's outcomes."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from ..transforms.delay import DELAY_THRESHOLD_MINUTES
from .daily_operations import (
    TOP_FLIGHTS,
    TRAILING_DAYS,
    OperationsEvidence,
    compared_by,
    compared_table,
    daily_totals,
    summarize,
    top_risk,
    trailing_days,
)
from .document import Report, png_data_uri
from .outcomes import yesterday_section
from .plots import grouped_bars, histogram, line_chart
from .rendering import RenderedDay


def trend_plot(evidence: OperationsEvidence, dpi: int = 110) -> bytes:
    totals = daily_totals(evidence.delays)
    frame = pd.DataFrame(
        {
            f"arrivals > {DELAY_THRESHOLD_MINUTES} min late (%)": totals.share_delayed * 100,
            "flights cancelled (%)": totals.share_cancelled * 100,
        },
        index=pd.to_datetime(totals.index),
    )
    return line_chart(
        frame, title=f"{evidence.day} against the {TRAILING_DAYS} days before", xlabel="flight date",
        ylabel="share of flights (%)", highlight=pd.Timestamp(evidence.day), dpi=dpi,
    )  # fmt: skip


def compared_plot(evidence: OperationsEvidence, column: str, dpi: int = 110) -> bytes:
    compared = compared_by(evidence, column).set_index(column)
    frame = pd.DataFrame(
        {str(evidence.day): compared.share_delayed * 100, f"trailing {TRAILING_DAYS} days": compared.share_delayed_trailing * 100}
    )
    return grouped_bars(
        frame, title=f"Arrivals > {DELAY_THRESHOLD_MINUTES} min late by {column}", xlabel=column,
        ylabel="share of arrivals (%)", dpi=dpi,
    )  # fmt: skip


def risk_plot(evidence: OperationsEvidence, dpi: int = 110) -> bytes:
    return histogram(
        list(evidence.today.delay_probability), title=f"Predicted risk of delay, {len(evidence.today):,} flights of {evidence.day}",
        xlabel=f"predicted P(arrival > {DELAY_THRESHOLD_MINUTES} min late)", ylabel="flights", bins=20, dpi=dpi,
    )  # fmt: skip


def daily_operations_report(evidence: OperationsEvidence) -> Report:
    numbers = summarize(evidence)
    report = Report(
        title=f"Daily operations — {evidence.day:%A %d %B %Y}",
        subtitle=f"Delays by carrier and origin against the {TRAILING_DAYS} days before, the model's predicted risk "
        "for the day's flights, and how the previous day's predictions fared.",
    )
    share, trailing = numbers.get("share_delayed"), numbers.get("trailing_share_delayed")
    worse = share is not None and trailing is not None and share > trailing
    report.numbers(
        {
            "flights": (f"{numbers['flights']:,}", None),
            f"arrivals > {DELAY_THRESHOLD_MINUTES} min late": (_percent(share), "bad" if worse else "good" if share is not None else None),
            f"trailing {TRAILING_DAYS}-day share": (_percent(trailing), None),
            "mean arrival delay": (f"{numbers['mean_arr_delay_min']:.1f} min" if "mean_arr_delay_min" in numbers else "–", None),
            "cancelled": (f"{numbers.get('cancellations', 0):,}", None),
            "mean predicted risk": (_percent(numbers.get("mean_predicted_risk")), None),
            "yesterday's ROC AUC": (_number(numbers.get("yesterday_roc_auc")), None),
        }
    )  # fmt: skip
    report.heading(f"The day against its trailing {TRAILING_DAYS} days")
    if numbers["flights"] == 0:
        report.text(f"gold/daily_delay_summary has no flights for {evidence.day}.", note=True)
    else:
        days = trailing_days(evidence)
        report.text(f"Trailing window: {len(days)} of {TRAILING_DAYS} days with data before {evidence.day}.", note=True)
        report.figure(trend_plot(evidence), "Share of late arrivals and cancellations per day")
        for column in ("carrier", "origin"):
            report.heading(f"Delays by {column}").figure(compared_plot(evidence, column), f"Late arrivals by {column}")
            report.table(compared_table(evidence, column), float_format="{:,.1f}")
    report.heading("Predicted risk of delay")
    today = evidence.today
    if today.empty:
        report.text(
            f"No scores for {evidence.day}: scores/flight_delay_scores has no rows for the day (no champion model yet, "
            "or the day is not scored). Materialise ml/delay_model, then scores/flight_delay_scores.", note=True
        )  # fmt: skip
    else:
        versions = ", ".join(f"v{v}" for v in sorted(today.model_version.unique()))
        report.text(f"{len(today):,} flights scored by model {versions}.", note=True)
        if today.in_sample.any():
            report.text(
                "This day is inside the model's training window: its scores are in-sample and flatter the model.", note=True
            )  # fmt: skip
        report.figure(risk_plot(evidence), "Distribution of predicted risk")
        report.heading(f"The {min(TOP_FLIGHTS, len(today))} highest-risk flights").table(top_risk(evidence))
    yesterday_section(report, evidence.yesterday, evidence.day - timedelta(days=1))
    return report


def render_operations_day(evidence: OperationsEvidence) -> RenderedDay:
    """The day's document, its numbers, and its trend chart small for the UI (none on a day without flights)."""
    numbers = summarize(evidence)
    preview = png_data_uri(trend_plot(evidence, dpi=60)) if numbers["flights"] else ""
    return RenderedDay(daily_operations_report(evidence).render(), numbers, preview)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
