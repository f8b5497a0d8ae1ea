"""Report documents: self-contained, with titled and labelled plots, rendering in a real browser."""

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lakehouse_assets.reporting.data_quality import QualityEvidence, data_quality_report, summarize
from lakehouse_assets.reporting.store import list_reports, write_report

from ..browser import artifacts_dir, chromium_page


def evidence(unbalanced: bool = False) -> QualityEvidence:
    return QualityEvidence(
        day=date(2013, 1, 31),
        conservation=pd.DataFrame(
            [
                {"source": "flights", "rows_read": 945 + (1 if unbalanced else 0), "rows_loaded": 941, "rows_quarantined": 4},
                {"source": "weather", "rows_read": 72, "rows_loaded": 72, "rows_quarantined": 0},
            ]
        ),
        quarantine_reasons=pd.DataFrame(
            [{"source": "flights", "reason": "date 2013-02-05 outside partition 2013-01-31", "rows": 3},
             {"source": "flights", "reason": "malformed CSV: 3 fields, header has 19", "rows": 1}]
        ),  # fmt: skip
        rejected_files=pd.DataFrame([{"source": "flights", "file": "/landing/flights/2013-01-31/gzip.csv", "reason": "gzip-compressed"}]),
        checks=pd.DataFrame(
            [{"asset": "silver/flights", "check": "natural_key_unique", "result": "passed", "details": "repeated_keys=0"},
             {"asset": "silver/flights", "check": "newest_partition_fresh", "result": "warning", "details": "lag_days=334"}]
        ),  # fmt: skip
    )


def test_summary_numbers_add_up() -> None:
    numbers = summarize(evidence())
    assert (numbers["rows_read"], numbers["rows_loaded"], numbers["rows_quarantined"]) == (1017, 1013, 4)
    assert (numbers["sources_unbalanced"], numbers["files_rejected"]) == (0, 1)
    assert (numbers["checks_passed"], numbers["checks_warning"], numbers["checks_failed"]) == (1, 1, 0)
    assert summarize(evidence(unbalanced=True))["sources_unbalanced"] == 1


def test_the_document_is_self_contained() -> None:
    html = data_quality_report(evidence()).render()
    assert "<title>Data quality — Thursday 31 January 2013</title>" in html
    assert re.findall(r'src="data:image/png;base64,', html)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched to view it
    assert "gzip-compressed" in html and "natural_key_unique" in html


def test_an_unbalanced_ledger_is_flagged() -> None:
    html = data_quality_report(evidence(unbalanced=True)).render()
    assert "1 source(s) off" in html and "<td>NO</td>" in html


def test_reports_are_stored_atomically_and_listed_newest_first(tmp_path: Path) -> None:
    first = write_report(str(tmp_path), "data_quality", "2013-01-30", "<html>a</html>")
    second = write_report(str(tmp_path), "data_quality", "2013-01-31", "<html>b</html>")
    assert Path(second).read_text() == "<html>b</html>"
    assert not list(tmp_path.rglob("*.tmp"))
    assert {found.path for found in list_reports(str(tmp_path))} == {first, second}
    assert [found.path for found in list_reports(str(tmp_path), "2013-01-30")] == [first]


@pytest.mark.slow
def test_a_report_renders_in_headless_chromium_with_its_images_and_no_console_errors(tmp_path: Path) -> None:
    path = Path(write_report(str(tmp_path), "data_quality", "2013-01-31", data_quality_report(evidence()).render()))
    with chromium_page(width=1200, height=900) as page:
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
        page.goto(path.as_uri(), wait_until="load")
        images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        heading = page.inner_text("h1")
        screenshot = artifacts_dir() / "report-data-quality.png"
        page.screenshot(path=str(screenshot), full_page=True)
    assert problems == []
    assert images and all(complete and width > 300 and height > 100 for complete, width, height in images)
    assert heading.startswith("Data quality")
    assert screenshot.stat().st_size > 20_000
