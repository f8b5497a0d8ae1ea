"""Declarative automation: gold and features follow their upstream partitions, for any day, once."""

from datetime import datetime

import dagster as dg

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.settings import load_settings

DAY = "2013-03-05"
LATER = datetime(2026, 11, 27)  # evaluations happen long after 2013: old days must still be followed


def materialized(instance: dg.DagsterInstance, *keys: str, partition: str | None = None) -> None:
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key.split("/"), partition=partition))


def test_a_silver_day_landing_materialises_that_days_gold_and_features(instance, lakehouse_home) -> None:
    defs = build_definitions(load_settings("test"))
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER)
    assert first.total_requested == 0  # turning automation on does not backfill history

    materialized(instance, "silver/airlines", "silver/airports", "silver/planes")
    # Features of DAY need 30 days of history; give them that, as earlier days landed before.
    history = dg.DailyPartitionsDefinition(start_date="2013-02-03", end_date=DAY)
    for key in history.get_partition_keys():
        materialized(instance, "silver/flights", "silver/weather", partition=key)
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER, cursor=first.cursor)
    materialized(instance, "silver/flights", "silver/weather", partition=DAY)
    third = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER, cursor=second.cursor)

    requested = {key: third.get_requested_partitions(dg.AssetKey(key.split("/"))) for key in (
        "gold/flights_enriched", "gold/daily_delay_summary", "features/flight_features",
    )}  # fmt: skip
    assert requested["gold/flights_enriched"] == {DAY}
    assert requested["gold/daily_delay_summary"] == {DAY}
    assert DAY in requested["features/flight_features"]

    fourth = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER, cursor=third.cursor)
    assert fourth.get_requested_partitions(dg.AssetKey(["gold", "flights_enriched"])) == set()  # requested once


def test_a_trained_model_gets_its_report_without_waiting_for_drift_of_every_day(instance, lakehouse_home) -> None:
    defs = build_definitions(load_settings("test"))
    report = dg.AssetKey(["reports", "model_performance"])
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER)
    materialized(instance, "ml/delay_model")  # ml/feature_drift has no partition at all
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER, cursor=first.cursor)
    assert second.get_requested_partitions(report) == {None}
    third = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=LATER, cursor=second.cursor)
    assert third.get_num_requested(report) == 0  # requested once
