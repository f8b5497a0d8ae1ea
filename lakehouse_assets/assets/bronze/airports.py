"""bronze/airports and bronze/airports_quarantine: the reference database's airports table (see reference_tables.py)."""

import dagster as dg

from .reference_tables import reference_table_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [reference_table_asset("airports")]
