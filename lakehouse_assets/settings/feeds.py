"""`config/feeds.json`: the sources, declared as data.

A file feed (CSV with a header, JSON lines, or one JSON array of objects per file) needs no code: its entry and
its contract (a JSON Schema, see ingestion/contracts.py) give it
`bronze/<name>`, `bronze/<name>_quarantine` and `bronze/<name>_file_ledger`, the rows-conserved check in their
step, the landing sensor's exactly-once runs and single-run backfills. Files land in `<landing>/<name>/<YYYY-MM-DD>/`.
A database table (`jdbc`) gets `bronze/<name>` and `bronze/<name>_quarantine`, loaded in full or from a watermark,
read in parallel on a column, from the reference database of the environment (`sources.reference`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, StrictBool, StrictFloat, field_validator, model_validator

from .base import StrictModel
from .models import DriftPolicy, JdbcTableSettings

FEED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
COLUMN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
RESERVED_FOLDERS = ("reference",)  # <landing>/reference/ holds the reference database
LAYER_TABLE = re.compile(r"^(silver|gold)/[a-z][a-z0-9_]*$")
DEFAULT_FILES = {"csv": "*.csv", "json_lines": "*.jsonl", "json_array": "*.json", "weather_payload": "*.json"}
# Formats the generic file path ingests (ingestion/file_feed.py): rows, quarantine and a file ledger each.
GENERIC_FILE_FORMATS = ("csv", "json_lines", "json_array")


class FeedChecks(StrictModel):
    """Data-quality checks a file feed asks for on bronze/<name>, evaluated in its step on the run's days (beside
    rows_conserved, which every file feed has)."""

    natural_key: Literal["blocking", "warning"] | None = Field(
        default=None,
        description="natural_key_complete and natural_key_unique on the contract's x-natural-key: a failure "
        "keeps downstream assets from running (blocking) or shows as a warning.",
    )
    max_null_rate: dict[str, StrictFloat] = Field(
        default_factory=dict,
        description="column -> the highest share of nulls the run's days may hold (null_rates_within_threshold, "
        "a warning).",
    )
    volume: StrictBool = Field(
        default=False,
        description="volume_within_recent_range: each day's rows against the median of the days before "
        "(quality.volume_tolerance and volume_lookback_days of the environment), a warning.",
    )

    freshness_max_lag_days: int | None = Field(
        default=None,
        ge=0,
        description="Days the feed's bronze tables may go without a materialisation before their FreshnessPolicy fails; "
        "default: quality.freshness_max_lag_days of the environment.",
    )

    @field_validator("max_null_rate")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        wrong = [f"{column}: {rate}" for column, rate in value.items() if not 0 <= rate <= 1]
        if wrong:
            raise ValueError(f"a null rate is a share between 0 and 1 ({', '.join(wrong)})")
        return value


class Feed(StrictModel):
    name: str = Field(description="Safe identifier: the landing folder (files), and the bronze table names.")
    format: Literal["csv", "json_lines", "json_array", "weather_payload", "jdbc"] = Field(
        description="csv: CSV with a header line; json_lines: one JSON object per line; json_array: one JSON "
        "array of objects per file - the three ingested by the generic path. weather_payload: the weather API's "
        "page shape, ingested by bronze/weather. jdbc: a table of the reference database."
    )
    contract: str = Field(
        description="A shipped contract's name (lakehouse_assets/schemas/<name>.json), or a .json path relative "
        "to the config folder."
    )
    files: str | None = Field(default=None, description="Glob of a day folder's files; default by format.")
    partition_column: str | None = Field(
        default=None, description="Files: the bronze column holding the day folder's date; tables partition by it."
    )
    row_day: tuple[str, ...] = Field(
        default=(),
        description="The contract's columns that date a row: one date column, or year, month, day (integers). "
        "A row whose date differs from its folder's day is quarantined. Empty: the folder decides.",
    )
    drift_policy: DriftPolicy = "rescue"
    jdbc: JdbcTableSettings | None = Field(
        default=None,
        description="jdbc: how the table is read (source table, watermark_column, partition_column, ...); "
        "sources.reference.tables.<name> of an environment replaces it there.",
    )
    silver: str | None = Field(default=None, description="The silver table the feed's days run through, e.g. silver/flights.")
    checks: FeedChecks = Field(default_factory=FeedChecks, description="File feeds: the checks bronze/<name> gets.")
    missing_day: Literal["fail", "empty"] = Field(
        default="fail",
        description="File feeds: a day of a run without any file fails the step (fail), or holds no rows (empty: "
        "for a source that has nothing to deliver on some days).",
    )
    description: str = ""

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not FEED_NAME.match(value):
            raise ValueError(f"{value!r} is not a safe feed name (lowercase letter, then lowercase letters, digits, _)")
        if value in RESERVED_FOLDERS:
            raise ValueError(f"{value!r} is reserved: <landing>/{value}/ holds the reference database")
        return value

    @field_validator("partition_column")
    @classmethod
    def _column(cls, value: str | None) -> str | None:
        if value is not None and not COLUMN_NAME.match(value):
            raise ValueError(f"{value!r} is not a column name (lowercase letters, digits, _)")
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

    @model_validator(mode="after")
    def _keys_of_its_format(self) -> Feed:
        files = self.format != "jdbc"
        if files and self.partition_column is None:
            raise ValueError(f"a {self.format} feed needs partition_column (the bronze column of the folder's day)")
        wrong = [key for key, value in (("partition_column", self.partition_column), ("files", self.files),
                 ("row_day", self.row_day)) if value and not files] + (["jdbc"] if self.jdbc and files else [])  # fmt: skip
        if self.format == "weather_payload" and self.row_day:
            wrong.append("row_day")
        if not self.is_generic_file_feed:
            wrong += [key for key in ("checks", "missing_day") if key in self.model_fields_set]
        if wrong:
            raise ValueError(f"{', '.join(wrong)}: not a key of a {self.format} feed")
        return self

    @property
    def bronze_tables(self) -> tuple[str, ...]:
        """The bronze tables the feed writes: the rows, the quarantine and, for generic file feeds, the file ledger."""
        return (self.name, f"{self.name}_quarantine", *((f"{self.name}_file_ledger",) if self.is_generic_file_feed else ()))

    @property
    def is_generic_file_feed(self) -> bool:
        return self.format in GENERIC_FILE_FORMATS

    @property
    def lands_as_files(self) -> bool:
        return self.format != "jdbc"

    @property
    def file_glob(self) -> str:
        return self.files or DEFAULT_FILES[self.format]


class FeedsConfig(StrictModel):
    feeds: tuple[Feed, ...]

    @model_validator(mode="after")
    def _distinct(self) -> FeedsConfig:
        names = [feed.name for feed in self.feeds]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"feed(s) {', '.join(twice)} declared twice: each feed lands in its own folder")
        tables: dict[str, str] = {}
        for feed in self.feeds:
            for table in feed.bronze_tables:
                if table in tables:
                    raise ValueError(f"feeds {tables[table]} and {feed.name} would both write bronze/{table}")
                tables[table] = feed.name
        return self

    def __getitem__(self, name: str) -> Feed:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        raise KeyError(f"no feed {name!r} in feeds.json (declared: {', '.join(f.name for f in self.feeds)})")

    def of_format(self, fmt: str) -> tuple[Feed, ...]:
        return tuple(feed for feed in self.feeds if feed.format == fmt)

    @property
    def generic_file_feeds(self) -> tuple[Feed, ...]:
        return tuple(feed for feed in self.feeds if feed.is_generic_file_feed)

    @property
    def file_feeds(self) -> tuple[Feed, ...]:
        return tuple(feed for feed in self.feeds if feed.lands_as_files)
