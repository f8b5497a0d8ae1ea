"""`config/feeds.json`: the feeds that land as daily files, declared as data.

A CSV feed needs no code: its entry and its contract (a JSON Schema, see ingestion/contracts.py) give it
`bronze/<name>`, `bronze/<name>_quarantine` and `bronze/<name>_file_ledger`, the rows-conserved check in their
step, the landing sensor's exactly-once runs and single-run backfills. Files land in `<landing>/<name>/<YYYY-MM-DD>/`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import StrictModel
from .models import DriftPolicy

FEED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LAYER_TABLE = re.compile(r"^(silver|gold)/[a-z][a-z0-9_]*$")
DEFAULT_FILES = {"csv": "*.csv", "weather_payload": "*.json"}


class FileFeed(StrictModel):
    name: str = Field(description="Safe identifier: the landing folder, and the bronze table names.")
    format: Literal["csv", "weather_payload"] = Field(
        description="csv: CSV with a header line, ingested by the generic path. weather_payload: the weather "
        "API's page shape, ingested by bronze/weather."
    )
    contract: str = Field(
        description="A shipped contract's name (lakehouse_assets/schemas/<name>.json), or a .json path relative "
        "to the config folder."
    )
    files: str | None = Field(default=None, description="Glob of a day folder's files; default by format.")
    partition_column: str = Field(description="Bronze column holding the day folder's date; tables partition by it.")
    row_day: tuple[str, ...] = Field(
        default=(),
        description="The contract's columns that date a row: one date column, or year, month, day (integers). "
        "A row whose date differs from its folder's day is quarantined. Empty: the folder decides.",
    )
    drift_policy: DriftPolicy = "rescue"
    silver: str | None = Field(default=None, description="The silver table the feed's days run through, e.g. silver/flights.")
    description: str = ""

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not FEED_NAME.match(value):
            raise ValueError(f"{value!r} is not a safe feed name (lowercase letter, then lowercase letters, digits, _)")
        return value

    @field_validator("files")
    @classmethod
    def _one_folder(cls, value: str | None) -> str | None:
        if value is not None and ("/" in value or value in ("", ".", "..")):
            raise ValueError(f"{value!r} must be a file name glob inside the day folder, like *.csv")
        return value

    @field_validator("row_day")
    @classmethod
    def _one_or_three(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) not in (0, 1, 3):
            raise ValueError("expected [] (the folder decides), [date column] or [year, month, day columns]")
        return value

    @field_validator("silver")
    @classmethod
    def _table_key(cls, value: str | None) -> str | None:
        if value is not None and not LAYER_TABLE.match(value):
            raise ValueError(f"{value!r} is not a silver or gold table key like silver/flights")
        return value

    @property
    def file_glob(self) -> str:
        return self.files or DEFAULT_FILES[self.format]

    def contract_path(self, config_dir: Path) -> Path | None:
        """The user contract's file, or None for a shipped contract named by `contract`."""
        return (config_dir / self.contract).resolve() if self.contract.endswith(".json") else None


class FeedsConfig(StrictModel):
    feeds: tuple[FileFeed, ...]

    @model_validator(mode="after")
    def _distinct(self) -> FeedsConfig:
        names = [feed.name for feed in self.feeds]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"feed(s) {', '.join(twice)} declared twice: each feed lands in its own folder")
        return self

    def __getitem__(self, name: str) -> FileFeed:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        raise KeyError(f"no feed {name!r} in feeds.json (declared: {', '.join(f.name for f in self.feeds)})")

    def of_format(self, fmt: str) -> tuple[FileFeed, ...]:
        return tuple(feed for feed in self.feeds if feed.format == fmt)
