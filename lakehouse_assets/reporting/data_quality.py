"""The data-quality report of one day: did every row arrive somewhere, what was turned away, what did checks say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from .document import Report, png_data_uri
from .plots import bar_chart, grouped_bars
from .rendering import RenderedDay


@dataclass(frozen=True)
class QualityEvidence:
    day: date
    conservation: pd.DataFrame  # source, rows_read, rows_loaded, rows_quarantined
    quarantine_reasons: pd.DataFrame  # source, reason, rows
    rejected_files: pd.DataFrame  # source, file, reason
    checks: pd.DataFrame  # asset, check, result ('passed' | 'failed' | 'warning' | 'not run'), details


def summarize(evidence: QualityEvidence) -> dict[str, int]:
    conservation = evidence.conservation
    unbalanced = conservation[conservation.rows_read != conservation.rows_loaded + conservation.rows_quarantined]
    checks = evidence.checks
    return {
        "rows_read": int(conservation.rows_read.sum()),
        "rows_loaded": int(conservation.rows_loaded.sum()),
        "rows_quarantined": int(conservation.rows_quarantined.sum()),
        "sources_unbalanced": len(unbalanced),
        "files_rejected": len(evidence.rejected_files),
        "checks_failed": int((checks.result == "failed").sum()),
        "checks_warning": int((checks.result == "warning").sum()),
        "checks_passed": int((checks.result == "passed").sum()),
    }


def conservation_plot(evidence: QualityEvidence, dpi: int = 110) -> bytes:
    frame = evidence.conservation.set_index("source")[["rows_read", "rows_loaded", "rows_quarantined"]]
    frame.columns = ["read", "loaded", "quarantined"]
    return grouped_bars(frame, title=f"Rows by source, {evidence.day}", xlabel="source", ylabel="rows", dpi=dpi)


def quarantine_plot(evidence: QualityEvidence, dpi: int = 110) -> bytes:
    reasons = evidence.quarantine_reasons
    top = reasons.assign(label=reasons.source + ": " + reasons.reason.str.slice(0, 48)).nlargest(10, "rows")
    labels, values = list(top.label), list(top.rows)
    return bar_chart(
        labels, values, title=f"Quarantined rows by reason, {evidence.day}", xlabel="rows quarantined", ylabel="source: reason",
        horizontal=True, dpi=dpi,
    )  # fmt: skip


def data_quality_report(evidence: QualityEvidence) -> Report:
    numbers = summarize(evidence)
    balanced = numbers["sources_unbalanced"] == 0
    conservation = evidence.conservation.assign(
        balanced=lambda f: (f.rows_read == f.rows_loaded + f.rows_quarantined).map({True: "yes", False: "NO"})
    )
    report = Report(
        title=f"Data quality — {evidence.day:%A %d %B %Y}",
        subtitle="Rows read = rows loaded + rows quarantined, per source; files turned away; check results.",
    )
    report.numbers(
        {
            "rows read": (f"{numbers['rows_read']:,}", None),
            "rows loaded": (f"{numbers['rows_loaded']:,}", None),
            "rows quarantined": (f"{numbers['rows_quarantined']:,}", "bad" if numbers["rows_quarantined"] else "good"),
            "conservation": ("holds" if balanced else f"{numbers['sources_unbalanced']} source(s) off", "good" if balanced else "bad"),
            "files rejected": (str(numbers["files_rejected"]), "bad" if numbers["files_rejected"] else "good"),
            "checks failed": (str(numbers["checks_failed"]), "bad" if numbers["checks_failed"] else "good"),
        }
    )
    report.heading("Conservation ledger").figure(conservation_plot(evidence), "Rows read, loaded and quarantined by source")
    report.table(conservation)
    report.heading("Quarantine")
    if evidence.quarantine_reasons.empty:
        report.text("No row was quarantined.", note=True)
    else:
        report.figure(quarantine_plot(evidence), "Quarantined rows by reason").table(evidence.quarantine_reasons)
    report.heading("Rejected files").table(evidence.rejected_files)
    report.heading("Checks").text(
        "The latest evaluation of each data-quality check from a run that covered this day.", note=True
    ).table(evidence.checks)
    return report


def render_quality_day(evidence: QualityEvidence) -> RenderedDay:
    """The day's document, its numbers, and its rows-by-source chart small for the UI."""
    preview = png_data_uri(conservation_plot(evidence, dpi=60))
    return RenderedDay(data_quality_report(evidence).render(), summarize(evidence), preview)
