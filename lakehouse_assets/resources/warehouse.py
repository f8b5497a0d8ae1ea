"""Where the layer tables live, for assets that consult their own table (an incremental load's high-water mark)."""

import dagster as dg
from pydantic import Field

from ..tables import TableLocator, TableRef


class Warehouse(dg.ConfigurableResource):
    root: str = Field(description="Root folder or URI of Delta tables stored by path.")
    catalog: str | None = Field(default=None, description="Catalog name; tables become catalog.<layer>.<table>.")

    def locate(self, layer: str, table: str) -> TableRef:
        return TableLocator(self.root, self.catalog).locate(layer, table)
