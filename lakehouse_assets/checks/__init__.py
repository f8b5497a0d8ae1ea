"""Data-quality gate: blocking checks on what must never pass downstream, warnings on what looks wrong.

Every check that reads data is declared on the asset whose step writes that data and runs in that step, on
what was just committed (see base.py). Only the schema-change check has a step of its own: it reads the
Dagster instance, not a table.
"""

from collections.abc import Sequence

import dagster as dg

from ..settings.models import QualitySettings
from .base import TableCheck
from .keys import key_checks
from .names import NATURAL_KEY_UNIQUE
from .nulls import null_rate_check
from .volume import volume_checks


def quality_checks(
    natural_key: Sequence[str],
    mostly_present: Sequence[str],
    quality: QualitySettings,
    daily: dg.TimeWindowPartitionsDefinition | None = None,
) -> list[TableCheck]:
    """A silver or feature table's checks: its natural key, columns that should rarely be null, and for a daily
    table (`daily` given) its volume against recent days. A daily table's freshness is not a check: it is the
    FreshnessPolicy freshness.py gives it."""
    checks = [*key_checks(natural_key), null_rate_check(mostly_present, quality)]
    return checks + volume_checks(quality) if daily is not None else checks


def schema_change_checks(assets: Sequence[dg.AssetsDefinition]) -> Sequence[dg.AssetChecksDefinition]:
    """A column added, dropped or retyped between two materialisations of a quality-checked table shows as a
    warning on it."""
    checked = {key.asset_key for asset in assets for key in asset.check_keys if key.name == NATURAL_KEY_UNIQUE}
    return dg.build_column_schema_change_checks(assets=sorted(checked, key=lambda key: key.to_user_string()))
