"""bronze/airlines and bronze/airlines_quarantine: the reference database's airlines table (see reference_tables.py)."""

import dagster as dg

from .reference_tables import reference_table_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [reference_table_asset("airlines")]
