"""One self-contained HTML file: inline CSS, figures embedded as PNG data URIs, nothing fetched to view it."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd

_STYLE = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d2330;
       max-width: 1040px; margin: 2rem auto; padding: 0 1.2rem; background: #fbfbfd; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dde1ea; }
.subtitle { color: #5a6275; margin-top: 0; }
.numbers { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0; }
.number { background: #fff; border: 1px solid #dde1ea; border-radius: 8px; padding: .6rem 1rem; min-width: 9rem; }
.number .value { font-size: 1.45rem; font-weight: 600; } .number .label { color: #5a6275; font-size: .85rem; }
.number.bad .value { color: #b3261e; } .number.good .value { color: #1e7b34; }
table { border-collapse: collapse; background: #fff; font-size: .88rem; margin: .6rem 0 1rem; }
th, td { border: 1px solid #dde1ea; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f2f7; } .num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; background: #fff; border: 1px solid #dde1ea; border-radius: 6px; }
.note { color: #5a6275; font-size: .9rem; }
"""


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass
class Report:
    title: str
    subtitle: str = ""
    _parts: list[str] = field(default_factory=list)

    def numbers(self, items: dict[str, tuple[str, str | None]]) -> Report:
        """Headline figures: label -> (formatted value, 'good' | 'bad' | None)."""
        cards = "".join(
            f'<div class="number {tone or ""}"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>'
            for label, (value, tone) in items.items()
        )
        self._parts.append(f'<div class="numbers">{cards}</div>')
        return self

    def heading(self, text: str) -> Report:
        self._parts.append(f"<h2>{html.escape(text)}</h2>")
        return self

    def text(self, text: str, note: bool = False) -> Report:
        self._parts.append(f'<p class="{"note" if note else ""}">{html.escape(text)}</p>')
        return self

    def figure(self, png: bytes, alt: str) -> Report:
        self._parts.append(f'<p><img src="{png_data_uri(png)}" alt="{html.escape(alt)}"></p>')
        return self

    def table(self, frame: pd.DataFrame, float_format: str = "{:,.3f}") -> Report:
        """A table with numbers right-aligned; floats formatted with `float_format`, missing values as –."""
        if frame.empty:
            return self.text("(none)", note=True)
        numeric = set(frame.select_dtypes("number").columns)

        def cell(column: str, value: object) -> str:
            if value is None or (isinstance(value, float) and pd.isna(value)):
                text = "–"
            elif isinstance(value, float):
                text = float_format.format(value)
            elif isinstance(value, int) and column in numeric:
                text = f"{value:,}"
            else:
                text = str(value)
            return f'<td class="num">{html.escape(text)}</td>' if column in numeric else f"<td>{html.escape(text)}</td>"

        head = "".join(f'<th class="{"num" if c in numeric else ""}">{html.escape(str(c))}</th>' for c in frame.columns)
        body = "".join(
            "<tr>" + "".join(cell(column, value) for column, value in zip(frame.columns, row, strict=True)) + "</tr>"
            for row in frame.astype(object).itertuples(index=False)
        )
        self._parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        return self

    def render(self) -> str:
        return (
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{html.escape(self.title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(self.title)}</h1>"
            f'<p class="subtitle">{html.escape(self.subtitle)}</p>{"".join(self._parts)}</body></html>\n'
        )
