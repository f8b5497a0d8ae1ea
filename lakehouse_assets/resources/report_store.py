"""Where report documents are written: $LAKEHOUSE_HOME/reports locally, a configured location (e.g. a UC volume) in prod."""

import dagster as dg
from pydantic import Field

from ..reporting.store import list_reports, report_path, write_report


class ReportStore(dg.ConfigurableResource):
    root: str = Field(description="Folder or URI of the reports: <root>/<report>/<name>.html.")

    def write(self, report: str, name: str, html: str) -> str:
        return write_report(self.root, report, name, html)

    def path(self, report: str, name: str) -> str:
        return report_path(self.root, report, name)

    def stored(self, name: str | None = None):
        return list_reports(self.root, name)
