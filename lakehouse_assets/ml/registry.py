"""The registered delay model: versions, the `challenger` and `champion` aliases, and the promotion gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

CHAMPION = "champion"
CHALLENGER = "challenger"


class RegistryError(ValueError):
    """A registry operation was asked for something that does not exist; the message says what does."""


def version_by_alias(client: MlflowClient, name: str, alias: str) -> ModelVersion | None:
    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def set_alias(client: MlflowClient, name: str, alias: str, version: str) -> None:
    client.set_registered_model_alias(name, alias, version)


def promote(client: MlflowClient, name: str, version: str, reason: str) -> str | None:
    """Move `champion` to `version` (which must exist); returns the version that held it before, if any.

    This is also how to roll back: promote the earlier version again.
    """
    existing = {str(v.version) for v in client.search_model_versions(f"name = '{_quoted(name)}'")}
    if str(version) not in existing:
        known = ", ".join(sorted(existing, key=int)) or "none"
        raise RegistryError(f"model {name} has no version {version} (versions: {known})")
    previous = version_by_alias(client, name, CHAMPION)
    client.set_registered_model_alias(name, CHAMPION, str(version))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    client.set_model_version_tag(name, str(version), "promoted_at", stamp)
    client.set_model_version_tag(name, str(version), "promotion_reason", reason)
    return str(previous.version) if previous else None


@dataclass(frozen=True)
class VersionSummary:
    version: str
    aliases: tuple[str, ...]
    registered_at: datetime
    run_id: str | None
    metrics: dict[str, float]
    training_window: str | None


def versions(client: MlflowClient, name: str, metric_names: tuple[str, ...]) -> list[VersionSummary]:
    """Every version of the model, newest first, with its aliases and holdout metrics."""
    found = client.search_model_versions(f"name = '{_quoted(name)}'")
    summaries = []
    for listed in sorted(found, key=lambda v: int(v.version), reverse=True):
        version = client.get_model_version(name, str(listed.version))  # searches do not return aliases
        run = client.get_run(version.run_id) if version.run_id else None
        metrics = {m: run.data.metrics[m] for m in metric_names if run and m in run.data.metrics}
        params = run.data.params if run else {}
        window = f"{params['training_start']}..{params['training_end']}" if "training_start" in params else None
        summaries.append(
            VersionSummary(
                version=str(version.version),
                aliases=tuple(version.aliases),
                registered_at=datetime.fromtimestamp(version.creation_timestamp / 1000, UTC),
                run_id=version.run_id,
                metrics=metrics,
                training_window=window,
            )
        )
    return summaries


def _quoted(name: str) -> str:
    return name.replace("'", "\\'")
