"""A single-run backfill of N days gives the same tables as N one-day runs."""

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.runs import DATA_ASSETS, materialize_range
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.settings import Settings
from lakehouse_assets.tables import read_table
from lakehouse_assets_tests.dagster_instances import project_instance

from .test_flights_slice import content_hash

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST, LAST = date(2013, 2, 27), date(2013, 3, 1)  # crosses a month end


def partitioned_tables(defs: dg.Definitions) -> list[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    selected = DATA_ASSETS.resolve(graph)
    return sorted(
        node.key
        for node in graph.asset_nodes
        if node.key in selected and node.partitions_def is not None and node.is_materializable and "delta" in node.kinds
    )


def with_warehouse(settings: Settings, warehouse: Path) -> dg.Definitions:
    """Definitions writing to their own warehouse, reading the same landing files (same paths and times)."""
    storage = settings.environment.storage.model_copy(update={"warehouse": str(warehouse), "reports": str(warehouse / "reports")})
    environment = settings.environment.model_copy(update={"storage": storage})
    return build_definitions(dataclasses.replace(settings, environment=environment))


def test_single_run_backfill_equals_one_run_per_day(spark, settings: Settings, lakehouse_home: Path) -> None:
    seed_landing_zone(settings.environment.sources.landing, FIRST, LAST)
    with project_instance() as instance:
        single = with_warehouse(settings, lakehouse_home / "single")
        assert materialize_range(single, FIRST, LAST, DATA_ASSETS, instance).success
        daily = with_warehouse(settings, lakehouse_home / "daily")
        day = FIRST
        while day <= LAST:
            assert materialize_range(daily, day, day, DATA_ASSETS, instance).success
            day += timedelta(days=1)

    keys = partitioned_tables(single)
    assert {"bronze/flights", "silver/flights", "gold/flights_enriched", "features/flight_features"} <= {
        key.to_user_string() for key in keys
    }
    warehouses = {"single": single.resources["warehouse"], "daily": daily.resources["warehouse"]}
    for key in keys:
        hashes = {name: content_hash(read_table(spark, warehouse.ref(key))) for name, warehouse in warehouses.items()}
        assert hashes["single"] == hashes["daily"], key.to_user_string()
        assert hashes["single"]["n"] > 0 or key.path[-1].endswith("quarantine"), key.to_user_string()
