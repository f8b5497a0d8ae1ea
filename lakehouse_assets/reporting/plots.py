"""Matplotlib figures rendered to PNG bytes, each with a title, labelled axes and units."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")  # no display: figures are rendered to files and embedded

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

PALETTE = ["#1f6f8b", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#99582a", "#6d597a", "#b56576"]


def _png(figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    # tight_layout leaves a placeholder layout engine, which makes savefig lay the figure out once more before
    # drawing it; the layout is final here, so that second pass only costs time (same PNG bytes without it).
    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        figure.set_layout_engine(None)  # None would mean the rc's engine otherwise
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def bar_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str, ylabel: str, dpi: int = 110,
    horizontal: bool = False,
) -> bytes:  # fmt: skip
    figure, axis = plt.subplots(figsize=(7.5, 3.6))
    if all(float(value).is_integer() for value in values):  # counts: no half rows on the axis
        (axis.xaxis if horizontal else axis.yaxis).set_major_locator(MaxNLocator(integer=True))
    if horizontal:
        axis.barh(list(labels), list(values), color=PALETTE[0])
        axis.invert_yaxis()
    else:
        axis.bar(list(labels), list(values), color=PALETTE[0])
        axis.tick_params(axis="x", rotation=45 if len(labels) > 8 else 0)
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axis.grid(axis="x" if horizontal else "y", alpha=0.3)
    return _png(figure, dpi)


def grouped_bars(
    frame: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, dpi: int = 110
) -> bytes:
    """One group of bars per index value, one bar per column."""
    figure, axis = plt.subplots(figsize=(7.5, 3.6))
    frame.plot.bar(ax=axis, color=PALETTE[: len(frame.columns)], rot=0, width=0.8)
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(frameon=False, fontsize=8)
    return _png(figure, dpi)


def line_chart(
    frame: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, highlight: object | None = None,
    level: tuple[float, str] | None = None, dpi: int = 110,
) -> bytes:  # fmt: skip
    """One line per column over the index; `highlight` marks one index value (e.g. the report's day), `level` a
    labelled horizontal line (e.g. a threshold)."""
    figure, axis = plt.subplots(figsize=(7.5, 3.4))
    for position, column in enumerate(frame.columns):
        axis.plot(frame.index, frame[column], marker="o", markersize=3, label=str(column), color=PALETTE[position % len(PALETTE)])
    if highlight is not None:
        axis.axvline(highlight, color="#999999", linestyle="--", linewidth=1)
    if level is not None:
        axis.axhline(level[0], color="#b3261e", linestyle=":", linewidth=1, label=level[1])
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axis.grid(alpha=0.3)
    if len(frame.columns) > 1 or level is not None:
        axis.legend(frameon=False, fontsize=8)
    if isinstance(frame.index, pd.DatetimeIndex) and len(frame.index):
        first, last = frame.index.min(), frame.index.max()
        if first == last:  # one point: matplotlib would widen the axis by years, a day either side reads better
            axis.set_xlim(first - pd.Timedelta(days=1), last + pd.Timedelta(days=1))
        _daily_ticks(axis, max(2, (last - first).days))
    figure.autofmt_xdate()
    return _png(figure, dpi)


def _daily_ticks(axis, span_days: int) -> None:
    """Whole days on a date axis (matplotlib would put hours on a span of a few days)."""
    if span_days <= 92:
        axis.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, -(-span_days // 10))))
    else:
        axis.xaxis.set_major_locator(mdates.MonthLocator())
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))


def histogram(
    values: Sequence[float], *, title: str, xlabel: str, ylabel: str = "flights", bins: int = 20, dpi: int = 110
) -> bytes:
    figure, axis = plt.subplots(figsize=(7.5, 3.4))
    axis.hist(list(values), bins=bins, color=PALETTE[0], edgecolor="white")
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axis.grid(axis="y", alpha=0.3)
    return _png(figure, dpi)


def drawn_curves(draw: Callable[[Axes], object], *, title: str, xlabel: str, ylabel: str, dpi: int = 110) -> bytes:
    """Curves on a unit square that `draw` puts on the axes it is given, e.g. scikit-learn's ROC, precision-recall
    and calibration displays (`from_predictions(..., ax=axis)`); lines without a colour of their own take the
    palette's, in order."""
    figure, axis = plt.subplots(figsize=(5.4, 4.6))
    axis.set_prop_cycle(color=PALETTE)
    draw(axis)
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(0, 1), ylim=(0, 1.02))
    axis.grid(alpha=0.3)
    axis.legend(frameon=False, fontsize=8, loc="best")
    return _png(figure, dpi)
