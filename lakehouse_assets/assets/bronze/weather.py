"""bronze/weather and bronze/weather_quarantine: hourly observations from the weather API (or landing files)."""

from datetime import date

import dagster as dg

from ...checks.base import results
from ...checks.conservation import conservation_spec, rows_conserved
from ...checks.names import ROWS_CONSERVED
from ...ingestion.conformance import loaded_rows, quarantined_rows, tally_by
from ...ingestion.conservation import Read, day_balances
from ...ingestion.contracts import Contract
from ...ingestion.http_pages import HttpSourceError
from ...ingestion.weather import OBSERVATION_DATE, PROVENANCE, added_fields, weather_rows
from ...ingestion.weather_payload import PayloadError, WeatherPage, read_weather_file
from ...landing.changes import LANDING_DIGEST, day_digests
from ...partitions import day_window, days_in, window_text
from ...resources.delta_io_manager import ALLOW_SCHEMA_CHANGE
from ...resources.landing import LandingZone
from ...resources.spark import SparkResource
from ...resources.warehouse import Warehouse
from ...resources.weather_source import WeatherSource
from ..common import delta_outs, output_name, spark_multi_asset

KEY, QUARANTINE_KEY = ["bronze", "weather"], ["bronze", "weather_quarantine"]


def build(daily: dg.DailyPartitionsDefinition, contract: Contract) -> list[dg.AssetsDefinition]:
    """`contract`: the weather_payload feed's, as config/feeds.json names it."""
    @spark_multi_asset(
        name="bronze_weather",
        outs=delta_outs(
            (KEY, "Hourly weather at EWR, JFK, LGA typed by schemas/weather.json, per local day."),
            (QUARANTINE_KEY, "Weather observations that broke the contract: the raw JSON, the reason, the page."),
            partition_column=OBSERVATION_DATE,
        ),
        partitions_def=daily,
        check_specs=[
            conservation_spec(
                dg.AssetKey(KEY), "Per day of the run: observations read = rows in bronze/weather + rows in "
                "bronze/weather_quarantine, on the committed tables.",
                daily,
            )
        ],
    )
    def bronze_weather(
        context: dg.AssetExecutionContext, spark: SparkResource, weather: WeatherSource, landing: LandingZone, warehouse: Warehouse
    ):
        start, end = day_window(context)
        try:
            pages, requests, digests = _fetch(context, weather, landing, start, end)
            typed = weather_rows(spark.session, pages, contract, weather.drift_policy)  # type: ignore[arg-type]
        except (PayloadError, HttpSourceError) as error:
            raise dg.Failure(f"weather for {start}..{end}: {error}; nothing was written") from None
        per_day = tally_by(typed, OBSERVATION_DATE)
        allow = {ALLOW_SCHEMA_CHANGE: True} if weather.drift_policy == "add" and added_fields(pages, contract) else {}
        source = weather.url if weather.mode == "api" else f"{landing.root}/weather"
        summary = {"source": source, "mode": weather.mode, "pages": len(pages), "http_requests": requests}
        for partition_key in context.partition_keys:  # conservation per day, visible on each partition
            counts = per_day.get(date.fromisoformat(partition_key))
            figures = counts.as_metadata() if counts else {"rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0}
            if weather.mode == "files":  # what the landing sensor compares the day's files against
                figures[LANDING_DIGEST] = digests.get(date.fromisoformat(partition_key), "")
            context.add_asset_metadata(figures, asset_key=dg.AssetKey(KEY), partition_key=partition_key)
        yield dg.Output(loaded_rows(typed), output_name=output_name(KEY), metadata={**summary, **allow})
        yield dg.Output(quarantined_rows(typed, PROVENANCE), output_name=output_name(QUARANTINE_KEY), metadata=allow)
        balances = day_balances(
            spark.session,
            {day: Read(counts.read, counts.loaded) for day, counts in per_day.items()},
            loaded=warehouse.ref(KEY),
            quarantine=warehouse.ref(QUARANTINE_KEY),
            column=OBSERVATION_DATE,
            window=(start, end),
        )
        yield from results(context, dg.AssetKey(KEY), ROWS_CONSERVED, rows_conserved(balances), window_text((start, end)))

    return [bronze_weather]


def _fetch(
    context, weather: WeatherSource, landing: LandingZone, start: date, end: date
) -> tuple[list[WeatherPage], int, dict[date, str]]:
    """Every page for the window's days (from the API, or one page per landing file), the HTTP requests made,
    and per day the digest of the landing files read."""
    if weather.mode == "api":
        client = weather.client()
        pages, requests = [], 0
        for day in days_in((start, end)):
            fetched = weather.fetch_day(client, day)
            pages.extend(fetched.pages)
            requests += fetched.requests
        context.log.info(f"fetched {len(pages)} page(s) in {requests} request(s) from {weather.url}")
        return pages, requests, {}
    missing = landing.missing_days("weather", start, end)
    if missing:
        shown = ", ".join(day.isoformat() for day in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise PayloadError(f"no weather file landed for {len(missing)} day(s): {shown} under {landing.root}/weather/")
    files = landing.files("weather", start, end)
    usable = [landed for landed in files if landed.refused is None]
    for landed in files:
        if landed.refused:
            context.log.warning(f"skipping {landed.path}: {landed.refused}")
    unreadable = sorted({landed.day for landed in files} - {landed.day for landed in usable})
    if unreadable:
        raise PayloadError(
            f"no readable weather file for {', '.join(day.isoformat() for day in unreadable[:5])}: "
            + "; ".join(f"{landed.path} {landed.refused}" for landed in files if landed.day in unreadable)[:1000]
        )
    context.log.info(f"reading {len(usable)} weather file(s) for {start}..{end}")
    return [read_weather_file(landed.path, landed.day, landed.modified) for landed in usable], 0, day_digests(files)
