"""What `lakehouse demo` runs for a range: the model only when the range holds its windows."""

from datetime import date

import dagster as dg

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.runs import demo_selection
from lakehouse_assets.settings import load_settings

MODEL, SCORES, DRIFT = "ml/delay_model", "scores/flight_delay_scores", "ml/feature_drift"
MODEL_REPORT, OPERATIONS_REPORT = "reports/model_performance", "reports/daily_operations"


def selected(settings, start: date, end: date, champion: bool) -> tuple[set[str], list[str]]:
    graph = build_definitions(settings).resolve_asset_graph()
    selection, notes = demo_selection(settings.environment.ml, start, end, lambda: champion)
    return {key.to_user_string() for key in selection.resolve(graph)}, notes


def test_a_range_covering_the_windows_runs_everything(lakehouse_home) -> None:
    settings = load_settings("dev")
    keys, notes = selected(settings, date(2013, 1, 1), date(2013, 12, 31), champion=False)
    assert {MODEL, SCORES, DRIFT, MODEL_REPORT, OPERATIONS_REPORT} <= keys and notes == []
    assert len(keys) == len(build_definitions(settings).resolve_asset_graph().get_all_asset_keys())


def test_a_short_range_scores_with_an_existing_champion_but_does_not_train(lakehouse_home) -> None:
    keys, notes = selected(load_settings("dev"), date(2013, 3, 1), date(2013, 3, 31), champion=True)
    assert not {MODEL, MODEL_REPORT} & keys and {SCORES, DRIFT, "features/flight_features", OPERATIONS_REPORT} <= keys
    assert len(notes) == 1 and "lakehouse demo --start 2013-01-01 --end 2013-12-31" in notes[0]


def test_a_short_range_without_a_champion_stops_at_the_features(lakehouse_home) -> None:
    keys, notes = selected(load_settings("dev"), date(2013, 3, 1), date(2013, 3, 31), champion=False)
    assert not {MODEL, SCORES, DRIFT, MODEL_REPORT} & keys and "features/flight_features" in keys
    assert OPERATIONS_REPORT in keys  # it says there are no scores rather than being left out
    assert "no champion model" in notes[1]


def test_the_selection_resolves_to_asset_keys(lakehouse_home) -> None:
    selection, _ = demo_selection(
        load_settings("test").environment.ml, date(2013, 1, 2), date(2013, 1, 3), lambda: False
    )
    assert isinstance(selection, dg.AssetSelection)
