"""The promotion gate: a new version takes `champion` only if it beats the current one on the same holdout."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import mlflow
from mlflow.tracking import MlflowClient

from ..settings.ml import PromotionSettings
from .evaluation import improvement, score
from .registry import CHAMPION, promote, version_by_alias


@dataclass(frozen=True)
class GateDecision:
    promoted: bool
    metric: str
    min_improvement: float
    challenger_version: str
    challenger_score: float
    champion_version: str | None  # the champion before the decision
    champion_score: float | None  # the champion's score on the challenger's holdout
    reason: str

    def as_metadata(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def decide(
    metric: str,
    min_improvement: float,
    challenger_version: str,
    challenger_score: float,
    champion_version: str | None,
    champion_score: float | None,
    champion_problem: str | None = None,
) -> GateDecision:
    """Promote when there is no champion, the champion cannot score today's features, or the challenger beats
    it on the same holdout by more than `min_improvement`; keep the champion otherwise (ties included)."""
    decision = dict(
        metric=metric, min_improvement=min_improvement, challenger_version=challenger_version,
        challenger_score=challenger_score, champion_version=champion_version, champion_score=champion_score,
    )  # fmt: skip
    if math.isnan(challenger_score):
        return GateDecision(promoted=False, reason=f"challenger has no {metric} on the holdout", **decision)
    if champion_version is None:
        return GateDecision(promoted=True, reason="no champion yet", **decision)
    if champion_problem is not None:
        return GateDecision(
            promoted=True,
            reason=f"champion v{champion_version} cannot score the holdout: {champion_problem}",
            **decision,
        )
    gain = improvement(metric, challenger_score, champion_score)
    verdict = "beats" if gain > min_improvement else "does not beat"
    reason = (
        f"challenger v{challenger_version} {verdict} champion v{champion_version} on holdout {metric}: "
        f"{challenger_score:.4f} vs {champion_score:.4f} (improvement {gain:+.4f}, required > {min_improvement:.4f})"
    )
    return GateDecision(promoted=gain > min_improvement, reason=reason, **decision)


def judge(
    client: MlflowClient, name: str, challenger_version: str, trained, promotion: PromotionSettings
) -> GateDecision:
    """Score the current champion on the challenger's holdout rows, decide, and move `champion` if promoted."""
    metric = promotion.metric
    champion = version_by_alias(client, name, CHAMPION)
    champion_score, problem = None, None
    if champion is not None:
        try:
            model = mlflow.sklearn.load_model(f"models:/{name}/{champion.version}")  # pinned, not the alias
            probability = model.predict_proba(trained.holdout.features)[:, 1]
            champion_score = score(trained.holdout.label, probability)[metric]
        except (KeyError, ValueError) as error:  # e.g. a column the champion needs is gone from the features
            problem = f"{type(error).__name__}: {error}"
    decision = decide(
        metric,
        promotion.min_improvement,
        challenger_version,
        trained.metrics[metric],
        str(champion.version) if champion else None,
        champion_score,
        problem,
    )
    if decision.promoted:
        promote(client, name, challenger_version, decision.reason)
    return decision
