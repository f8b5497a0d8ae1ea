"""The daily operations report on the days a year starts, stops or skips: every chart it draws stays readable
(no warning from matplotlib, no tick labels piled into a dark smear), and the first day's page is kept as a
screenshot in test-artifacts/."""

import base64
import io
import re
import warnings
from datetime import date, timedelta
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from lakehouse_assets.reporting.daily_operations import OperationsEvidence
from lakehouse_assets.reporting.operations_report import daily_operations_report
from lakehouse_assets.reporting.store import write_report
from lakehouse_assets_tests.browser import artifacts_dir, chromium_page
from lakehouse_assets_tests.report_samples import scored

FIRST_DAY = date(2013, 1, 1)
DAY = date(2013, 3, 10)


def delays(days: list[date]) -> pd.DataFrame:
    """gold/daily_delay_summary rows for `days`: two carriers at two airports, a fifth of arrivals late."""
    return pd.DataFrame(
        [
            {"flight_date": day, "carrier": carrier, "origin": origin, "flights": 12, "cancellations": 1,
             "diversions": 0, "mean_arr_delay_min": 9.0, "share_arr_delayed_15": 0.2}  # fmt: skip
            for day in days
            for carrier, origin in (("AA", "EWR"), ("UA", "JFK"))
        ]
    )


def trailing(day: date, count: int, skip: set[date] = frozenset()) -> list[date]:
    return [d for d in (day - timedelta(days=n) for n in range(count, -1, -1)) if d not in skip]


def today_scores(day: date) -> pd.DataFrame:
    return scored(day, np.linspace(0.05, 0.95, 20), [np.nan] * 20)


def yesterday_scores(day: date) -> pd.DataFrame:
    return scored(day - timedelta(days=1), [0.9, 0.7, 0.3, 0.1], [40, 20, -5, 0])


EDGE_DAYS = {
    # the year's first day: no trailing days, no previous day's scores
    "first-day": OperationsEvidence(FIRST_DAY, delays([FIRST_DAY]), today_scores(FIRST_DAY)),
    # a day the summary has no flights for (and so no scores), after 28 normal days
    "no-flights": OperationsEvidence(DAY, delays(trailing(DAY, 28, skip={DAY})), yesterday_scores(DAY)),
    # flights but no scores (no champion yet)
    "no-scores": OperationsEvidence(DAY, delays(trailing(DAY, 28)), yesterday_scores(DAY)),
    # the day before is missing from both the summary and the scores
    "no-previous-day": OperationsEvidence(
        DAY, delays(trailing(DAY, 28, skip={DAY - timedelta(days=1)})), today_scores(DAY)
    ),
}


def figures(html: str) -> list[np.ndarray]:
    """The report's embedded PNGs, decoded to pixels."""
    encoded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    return [matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png") for data in encoded]


def dark_share(pixels: np.ndarray) -> float:
    """Share of the image that is near black: a few per cent for lines and text, far more for piled-up labels."""
    luminance = pixels[..., :3].mean(axis=-1)
    return float((luminance < 0.35).mean())


@pytest.mark.parametrize("name", sorted(EDGE_DAYS))
def test_every_chart_of_an_edge_day_is_readable(name: str, caplog: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = daily_operations_report(EDGE_DAYS[name]).render()
    assert [str(w.message) for w in caught if "matplotlib" in w.filename or "Locator" in str(w.message)] == []
    assert "Locator attempting to generate" not in caplog.text  # matplotlib logs this one, it does not warn
    images = figures(html)
    assert images, name
    for pixels in images:
        assert pixels.shape[0] > 200 and pixels.shape[1] > 400
        assert dark_share(pixels) < 0.05, f"{name}: {dark_share(pixels):.1%} of a chart is dark"


@pytest.mark.slow
def test_the_first_days_report_renders_in_a_browser_and_is_kept(tmp_path: Path) -> None:
    path = Path(write_report(str(tmp_path), "daily_operations", "2013-01-01", daily_operations_report(EDGE_DAYS["first-day"]).render()))
    with chromium_page(width=1200, height=900) as page:
        page.goto(path.as_uri(), wait_until="load")
        images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
        screenshot = artifacts_dir() / "report-daily-operations-2013-01-01.png"
        page.screenshot(path=str(screenshot), full_page=True)
    assert images and all(complete and width > 300 for complete, width in images)
    assert screenshot.stat().st_size > 20_000
