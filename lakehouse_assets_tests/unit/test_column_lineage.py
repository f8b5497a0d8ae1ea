"""Every column of the silver, gold, features and scores tables has declared lineage, and each upstream column it
names exists, in an asset the table really reads. The tables are the transforms' output on sample frames (only
their schemas are needed, so the plans are analysed, not run)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from pyspark.sql import DataFrame

from lakehouse_assets.definitions import defs
from lakehouse_assets.ml.scoring import champion, score
from lakehouse_assets.transforms.features import flight_features
from lakehouse_assets.transforms.flights import clean_flights
from lakehouse_assets.transforms.gold import daily_delay_summary, enrich_flights
from lakehouse_assets.transforms.reference import clean_airlines, clean_airports, clean_planes
from lakehouse_assets.transforms.weather import clean_weather
from lakehouse_assets_tests import sample_data
from lakehouse_assets_tests.ml_data import registered_champion

from .conftest import FEATURE_DAY

LINEAGE_LAYERS = ("silver", "gold", "features", "scores")
Built = tuple[DataFrame, dict[str, DataFrame]]  # the table, and the upstream frames it was computed from


def silver_dimension(table: str, clean: Callable[[DataFrame], DataFrame]) -> Callable[[pytest.FixtureRequest], Built]:
    def build(request: pytest.FixtureRequest) -> Built:
        bronze = sample_data.bronze_reference(request.getfixturevalue("spark"), table)
        return clean(bronze), {f"bronze/{table}": bronze}

    return build


def silver_flights(request: pytest.FixtureRequest) -> Built:
    sample = request.getfixturevalue("silver_sample")
    bronze = sample_data.bronze_flights(request.getfixturevalue("spark"), FEATURE_DAY, FEATURE_DAY)
    return clean_flights(bronze, sample.airports), {"bronze/flights": bronze, "silver/airports": sample.airports}


def silver_weather(request: pytest.FixtureRequest) -> Built:
    bronze = sample_data.bronze_weather(request.getfixturevalue("spark"), FEATURE_DAY, FEATURE_DAY)
    return clean_weather(bronze), {"bronze/weather": bronze}


def silver_tables(request: pytest.FixtureRequest) -> dict[str, DataFrame]:
    sample = request.getfixturevalue("silver_sample")
    return {
        f"silver/{name}": getattr(sample, name) for name in ("flights", "weather", "planes", "airlines", "airports")
    }


def gold_flights_enriched(request: pytest.FixtureRequest) -> Built:
    silver = silver_tables(request)
    enriched = enrich_flights(
        *(silver[f"silver/{name}"] for name in ("flights", "weather", "planes", "airlines", "airports"))
    )
    return enriched, silver


def gold_daily_delay_summary(request: pytest.FixtureRequest) -> Built:
    flights = silver_tables(request)["silver/flights"]
    return daily_delay_summary(flights), {"silver/flights": flights}


def features_of_the_day(request: pytest.FixtureRequest) -> Built:
    silver = silver_tables(request)
    features = flight_features(
        silver["silver/flights"],
        silver["silver/weather"],
        silver["silver/planes"],
        FEATURE_DAY,
        FEATURE_DAY + timedelta(days=1),
    )
    return features, silver


def scores_of_the_day(request: pytest.FixtureRequest) -> Built:
    features, _ = features_of_the_day(request)
    target, _ = registered_champion(request.getfixturevalue("tmp_path") / "mlflow")
    scored = score(features, champion(target.client(), target.model_name), scored_at=datetime.now(UTC))
    return scored, {"features/flight_features": features}


BUILDERS: dict[str, Callable[[pytest.FixtureRequest], Built]] = {
    "silver/airlines": silver_dimension("airlines", clean_airlines),
    "silver/airports": silver_dimension("airports", clean_airports),
    "silver/planes": silver_dimension("planes", clean_planes),
    "silver/flights": silver_flights,
    "silver/weather": silver_weather,
    "gold/flights_enriched": gold_flights_enriched,
    "gold/daily_delay_summary": gold_daily_delay_summary,
    "features/flight_features": features_of_the_day,
    "scores/flight_delay_scores": scores_of_the_day,
}


@pytest.fixture(scope="module")
def graph():
    return defs().resolve_asset_graph()


def test_every_table_of_the_lineage_layers_is_covered(graph) -> None:
    tables = {key.to_user_string() for key in graph.get_all_asset_keys() if key.path[0] in LINEAGE_LAYERS}
    assert tables == set(BUILDERS)


@pytest.mark.parametrize("table", sorted(BUILDERS))
def test_every_column_has_lineage_to_existing_upstream_columns(
    table: str, graph, request: pytest.FixtureRequest
) -> None:
    frame, upstream = BUILDERS[table](request)
    node = graph.get(dg.AssetKey(table.split("/")))
    lineage = node.metadata.get("dagster/column_lineage")
    assert isinstance(lineage, dg.TableColumnLineage), f"{table} declares no column lineage"
    declared = lineage.deps_by_column
    assert [column for column in frame.columns if column not in declared] == [], "columns without lineage"
    assert [column for column in declared if column not in frame.columns] == [], "lineage of columns the table lacks"
    known = graph.get_all_asset_keys()
    for column, deps in declared.items():
        for dep in deps:
            source = f"{column} <- {dep.asset_key.to_user_string()}.{dep.column_name}"
            assert dep.asset_key in known, f"{source}: no such asset"
            assert dep.asset_key in node.parent_keys, f"{source}: {table} does not read that asset"
            assert dep.column_name in upstream[dep.asset_key.to_user_string()].columns, f"{source}: no such column"
