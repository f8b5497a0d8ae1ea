"""Data-quality gate: blocking checks on what must never pass downstream, warnings on what looks wrong."""

import dagster as dg

from ..settings.ml import DriftSettings
from ..settings.models import QualitySettings
from .drift import build_drift_check
from .features import feature_columns_allowed
from .keys import build_key_checks
from .nulls import build_null_rate_check
from .scores import build_scores_check
from .tables import CHECKED_TABLES
from .volume import build_volume_checks


def build_checks(
    daily: dg.TimeWindowPartitionsDefinition, quality: QualitySettings, drift: DriftSettings | None = None
) -> list[dg.AssetChecksDefinition]:
    checks: list[dg.AssetChecksDefinition] = [feature_columns_allowed, build_scores_check(daily)]
    checks.append(build_drift_check(daily, drift or DriftSettings()))
    for table in CHECKED_TABLES:
        checks += build_key_checks(table, daily)
        if table.mostly_present:
            checks.append(build_null_rate_check(table, daily, quality))
        if table.partition_column:
            checks += build_volume_checks(table, daily, quality)
    # A column added, dropped or retyped between two materialisations shows as a warning on the asset.
    checks += dg.build_column_schema_change_checks(assets=[table.asset_key for table in CHECKED_TABLES])
    return checks
