"""The lakehouse's Delta tables for code that reads them outside the IO manager: checks, sensors, reports."""

from collections.abc import Sequence
from datetime import date

import dagster as dg
from pyspark.sql import DataFrame

from ..tables import TableLocator, TableRef, filter_dates, read_table, table_exists
from .spark import SparkResource


class Warehouse(dg.ConfigurableResource):
    spark: SparkResource
    root: str
    catalog: str | None = None

    def ref(self, key: dg.AssetKey | Sequence[str]) -> TableRef:
        path = key.path if isinstance(key, dg.AssetKey) else list(key)
        return TableLocator(self.root, self.catalog).locate(*path)

    def exists(self, key: dg.AssetKey | Sequence[str]) -> bool:
        return table_exists(self.spark.session, self.ref(key))

    def read(
        self, key: dg.AssetKey | Sequence[str], window: tuple[date, date] | None = None, column: str | None = None
    ) -> DataFrame:
        """The table, or only the days [start, end) of its date `column` when a window is given."""
        frame = read_table(self.spark.session, self.ref(key))
        if window is None:
            return frame
        if column is None:
            raise ValueError("reading a window needs the table's date column")
        return filter_dates(frame, column, *window)
