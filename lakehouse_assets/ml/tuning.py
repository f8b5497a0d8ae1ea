"""Hyperparameters chosen by time-ordered cross-validation: every fold validates on days after all its training days."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..settings.ml import TuningSettings
from .evaluation import HIGHER_IS_BETTER, score
from .model import delay_model, staged_probabilities


@dataclass(frozen=True)
class Fold:
    train_days: tuple[Any, Any]  # first and last day
    valid_days: tuple[Any, Any]
    train_index: np.ndarray
    valid_index: np.ndarray


@dataclass(frozen=True)
class TuningResult:
    params: dict[str, Any]
    max_iter: int
    cv_score: float
    metric: str
    results: pd.DataFrame  # one row per (candidate, boosting rounds): the mean and per-fold validation scores
    folds: tuple[Fold, ...]


def expanding_folds(days: pd.Series, folds: int) -> list[Fold]:
    """Split the distinct days, in order, into folds + 1 blocks; fold k trains on blocks 0..k, validates on k+1."""
    distinct = np.array(sorted(days.unique()))
    if len(distinct) < folds + 1:
        raise ValueError(f"{len(distinct)} distinct day(s) cannot make {folds} time-ordered folds")
    blocks = np.array_split(distinct, folds + 1)
    values = days.to_numpy()
    result = []
    for k in range(folds):
        train_end, valid = blocks[k][-1], blocks[k + 1]
        result.append(
            Fold(
                train_days=(distinct[0], train_end),
                valid_days=(valid[0], valid[-1]),
                train_index=np.flatnonzero(values <= train_end),
                valid_index=np.flatnonzero((values >= valid[0]) & (values <= valid[-1])),
            )
        )
    return result


def candidates(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = sorted(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[name] for name in names))]


def tune(
    features: pd.DataFrame,
    label: pd.Series,
    days: pd.Series,
    settings: TuningSettings,
    metric: str,
    seed: int,
    log: Callable[[str], None] = lambda _: None,
) -> TuningResult:
    """Fit every candidate on every fold once with `max_iter` rounds and score it every 10 rounds on the fold's
    validation days; the best mean score picks both the hyperparameters and the number of rounds."""
    folds = expanding_folds(days, settings.folds)
    options = candidates(settings.grid)
    rows = []
    for number, params in enumerate(options, start=1):
        per_fold: dict[int, list[float]] = {}
        for fold in folds:
            model = delay_model(params, settings.max_iter, seed)
            model.fit(features.iloc[fold.train_index], label.iloc[fold.train_index])
            truth = label.iloc[fold.valid_index]
            for rounds, probability in staged_probabilities(model, features.iloc[fold.valid_index]):
                per_fold.setdefault(rounds, []).append(score(truth, probability)[metric])
        for rounds, scores in per_fold.items():
            rows.append({"candidate": number, **params, "max_iter": rounds, f"mean_{metric}": float(np.mean(scores)),
                         **{f"fold_{k + 1}_{metric}": s for k, s in enumerate(scores)}})  # fmt: skip
        log(f"candidate {number} {params}: best mean {metric} {_best(rows, number, metric):.4f}")
    results = pd.DataFrame(rows)
    ordered = results.sort_values(f"mean_{metric}", ascending=not HIGHER_IS_BETTER[metric], kind="stable")
    best = ordered.iloc[0]
    params = options[int(best["candidate"]) - 1]
    return TuningResult(params, int(best["max_iter"]), float(best[f"mean_{metric}"]), metric, results, tuple(folds))


def _best(rows: list[dict], candidate: int, metric: str) -> float:
    scores = [row[f"mean_{metric}"] for row in rows if row["candidate"] == candidate]
    return max(scores) if HIGHER_IS_BETTER[metric] else min(scores)
