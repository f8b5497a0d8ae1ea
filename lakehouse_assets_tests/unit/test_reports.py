"""Report documents: self-contained, with titled and labelled plots, rendering in a real browser."""

import html
import re
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from lakehouse_assets.cli import main
from lakehouse_assets.reporting.data_quality import QualityEvidence, data_quality_report, summarize
from lakehouse_assets.reporting.document import Report
from lakehouse_assets.reporting.model_report import model_performance_report
from lakehouse_assets.reporting.operations_report import daily_operations_report
from lakehouse_assets.reporting.store import list_reports, write_report

from ..browser import artifacts_dir, chromium_page
from ..report_samples import model_evidence, operations_evidence, previous_champion


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
             {"asset": "silver/flights", "check": "volume_within_recent_range", "result": "warning", "details": "days_flagged=1"}]
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


def test_every_value_shown_is_escaped_and_reads_back_unchanged() -> None:
    """Report text comes from data (carrier names, file paths, reasons, check details): none of it may become markup,
    in an element or in an attribute, and each must read back exactly as it was given."""
    hostile = '<script>alert("x")</script> & \'quoted\''
    report = (
        Report(title=hostile, subtitle=hostile)
        .numbers({hostile: (hostile, "bad")})
        .heading(hostile)
        .text(hostile, note=True)
        .figure(b"\x89PNG\r\n\x1a\n", alt=hostile)
        .table(pd.DataFrame({hostile: [hostile], "rows": [1_234]}))
    )
    page = report.render()
    assert "<script" not in page
    shown = {
        "title": re.findall(r"<title>(.*?)</title>", page),
        "h1": re.findall(r"<h1>(.*?)</h1>", page),
        "subtitle": re.findall(r'<p class="subtitle">(.*?)</p>', page),
        "number value": re.findall(r'<div class="value">(.*?)</div>', page),
        "number label": re.findall(r'<div class="label">(.*?)</div>', page),
        "heading": re.findall(r"<h2>(.*?)</h2>", page),
        "text": re.findall(r'<p class="note">(.*?)</p>', page),
        "alt text": re.findall(r'alt="([^"]*)"', page),  # a raw quote would end the attribute early
        "column header": re.findall(r'<th class="">(.*?)</th>', page),
        "cell": re.findall(r"<td>(.*?)</td>", page),
    }
    assert {where: [html.unescape(value) for value in values] for where, values in shown.items()} == {
        where: [hostile] for where in shown
    }
    assert '<td class="num">1,234</td>' in page


def test_reports_are_stored_atomically_and_listed_newest_first(tmp_path: Path) -> None:
    first = write_report(str(tmp_path), "data_quality", "2013-01-30", "<html>a</html>")
    second = write_report(str(tmp_path), "data_quality", "2013-01-31", "<html>b</html>")
    assert Path(second).read_text() == "<html>b</html>"
    assert not list(tmp_path.rglob("*.tmp"))
    assert {found.path for found in list_reports(str(tmp_path))} == {first, second}
    assert [found.path for found in list_reports(str(tmp_path), "2013-01-30")] == [first]


def test_lakehouse_report_lists_the_days_reports_and_the_latest_model_report(settings, monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_ENV", "test")  # the CLI reads the same settings as `settings`
    root = settings.environment.storage.reports
    for report, name in (("data_quality", "2013-01-31"), ("data_quality", "2013-01-30"), ("daily_operations", "2013-01-31"),
                         ("model_performance", "flight_delay_model-v1"), ("model_performance", "flight_delay_model-v2")):  # fmt: skip
        write_report(root, report, name, "<html></html>")
        time.sleep(0.01)  # distinct modification times: v2 is the newer model report, 01-30 rewritten after 01-31
    runner = CliRunner()
    lines = runner.invoke(main, ["report", "--date", "2013-01-31"], catch_exceptions=False).output.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["daily_operations", "2013-01-31"], ["data_quality", "2013-01-31"], ["model_performance", "flight_delay_model-v2"],
    ]  # fmt: skip
    latest = runner.invoke(main, ["report"], catch_exceptions=False).output.splitlines()
    assert [line.split()[:2] for line in latest] == [
        ["daily_operations", "2013-01-31"], ["data_quality", "2013-01-31"], ["model_performance", "flight_delay_model-v2"],
    ]  # fmt: skip
    missing = runner.invoke(main, ["report", "--date", "2013-02-01"])
    assert missing.exit_code != 0 and "no reports for 2013-02-01" in missing.output


@pytest.mark.slow
def test_reports_render_in_headless_chromium_with_their_images_and_no_console_errors(tmp_path: Path) -> None:
    documents = {
        "data-quality": ("Data quality", data_quality_report(evidence())),
        "daily-operations": ("Daily operations", daily_operations_report(operations_evidence())),
        "model-performance": ("Model performance", model_performance_report(model_evidence(previous_champion(True)))),
    }
    seen = {}
    with chromium_page(width=1200, height=900) as page:
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
        for name, (_, report) in documents.items():
            path = Path(write_report(str(tmp_path), name, "2013-01-31", report.render()))
            page.goto(path.as_uri(), wait_until="load")
            images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
            screenshot = artifacts_dir() / f"report-{name}.png"
            page.screenshot(path=str(screenshot), full_page=True)
            seen[name] = (list(problems), images, page.inner_text("h1"), screenshot.stat().st_size)
            problems.clear()
    for name, (title, _) in documents.items():
        errors, images, heading, screenshot_bytes = seen[name]
        assert errors == [], name
        assert len(images) >= 5 if name != "data-quality" else images, name
        assert all(complete and width > 300 and height > 100 for complete, width, height in images), name
        assert heading.startswith(title)
        assert screenshot_bytes > 20_000
