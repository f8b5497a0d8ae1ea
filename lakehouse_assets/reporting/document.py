"""One self-contained HTML file: inline CSS, figures embedded as PNG data URIs, nothing fetched to view it.

A `Report` collects blocks (headline numbers, headings, text, figures, tables) as plain values; the Jinja2
template `templates/report.html` lays them out. The environment autoescapes, so every title, label, cell and
alt text is escaped whatever it holds, and nothing in the template is marked safe: the stylesheet is template
source, and a PNG data URI holds only base64 characters, which escaping leaves as they are.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

MISSING = "–"

_TEMPLATES = Environment(
    loader=PackageLoader("lakehouse_assets.reporting", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt field fails the render instead of vanishing from the page
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass
class Report:
    title: str
    subtitle: str = ""
    _blocks: list[dict[str, Any]] = field(default_factory=list)

    def numbers(self, items: dict[str, tuple[str, str | None]]) -> Report:
        """Headline figures: label -> (formatted value, 'good' | 'bad' | None)."""
        cards = [{"label": label, "value": value, "tone": tone or ""} for label, (value, tone) in items.items()]
        self._blocks.append({"kind": "numbers", "cards": cards})
        return self

    def heading(self, text: str) -> Report:
        self._blocks.append({"kind": "heading", "text": text})
        return self

    def text(self, text: str, note: bool = False) -> Report:
        self._blocks.append({"kind": "text", "text": text, "note": note})
        return self

    def figure(self, png: bytes, alt: str) -> Report:
        self._blocks.append({"kind": "figure", "src": png_data_uri(png), "alt": alt})
        return self

    def table(self, frame: pd.DataFrame, float_format: str = "{:,.3f}") -> Report:
        """A table with numbers right-aligned; floats formatted with `float_format`, missing values as –."""
        if frame.empty:
            return self.text("(none)", note=True)
        numeric = set(frame.select_dtypes("number").columns)
        columns = [{"name": str(column), "numeric": column in numeric} for column in frame.columns]
        rows = [
            [
                {"text": _cell_text(value, column in numeric, float_format), "numeric": column in numeric}
                for column, value in zip(frame.columns, row, strict=True)
            ]
            for row in frame.astype(object).itertuples(index=False)
        ]
        self._blocks.append({"kind": "table", "columns": columns, "rows": rows})
        return self

    def render(self) -> str:
        template = _TEMPLATES.get_template("report.html")
        return template.render(title=self.title, subtitle=self.subtitle, blocks=self._blocks)


def _cell_text(value: object, numeric_column: bool, float_format: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return MISSING
    if isinstance(value, float):
        return float_format.format(value)
    if isinstance(value, int) and numeric_column:
        return f"{value:,}"
    return str(value)
