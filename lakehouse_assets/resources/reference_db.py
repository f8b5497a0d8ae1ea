"""The operational database of reference data, read through Spark JDBC; credentials only from env vars."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from pydantic import Field

from ..ingestion.jdbc import JdbcSource
from ..landing.layout import reference_db_path
from ..settings.models import JdbcTableSettings, ReferenceSourceSettings


class JdbcTableConfig(dg.Config):
    """How one table is read (mirrors `sources.reference.tables.<table>` in the env config)."""

    source: str | None = None
    partition_column: str | None = None
    lower_bound: str | None = None
    upper_bound: str | None = None
    num_partitions: int | None = None
    watermark_column: str | None = None
    fetch_size: int = 10_000


class ReferenceDatabase(dg.ConfigurableResource):
    jdbc_url: str = Field(description="JDBC URL, without credentials.")
    driver: str = Field(description="JDBC driver class; its jar comes from spark.packages.")
    user: str | None = Field(default=None, description="Bound to the env var named by sources.reference.user_env.")
    password: str | None = Field(default=None, description="Bound to the env var named by sources.reference.password_env.")
    drift_policy: str = Field(default="rescue", description="rescue | fail | add: columns the contract does not know.")
    tables: dict[str, JdbcTableConfig] = Field(default_factory=dict)
    driver_packages: list[str] = Field(
        default_factory=list,
        description="Maven coordinates that provide the driver (spark.packages), named if it is missing.",
    )

    @classmethod
    def from_settings(
        cls,
        settings: ReferenceSourceSettings,
        landing: str,
        packages: tuple[str, ...] = (),
        declared: Mapping[str, JdbcTableSettings] | None = None,
    ) -> "ReferenceDatabase":
        """`declared`: how feeds.json reads each table; the environment's sources.reference.tables replaces it."""
        tables = {**(declared or {}), **settings.tables}
        url = settings.jdbc_url or f"jdbc:sqlite:{reference_db_path(landing)}"
        return cls(
            jdbc_url=url,
            driver=settings.resolved_driver or "",
            driver_packages=list(packages),
            user=dg.EnvVar(settings.user_env) if settings.user_env else None,
            password=dg.EnvVar(settings.password_env) if settings.password_env else None,
            drift_policy=settings.drift_policy,
            tables={
                name: JdbcTableConfig(**_as_text_bounds(table.model_dump())) for name, table in tables.items()
            },
        )

    def source(self) -> JdbcSource:
        return JdbcSource(
            url=self.jdbc_url, driver=self.driver, user=self.user, password=self.password,
            packages=tuple(self.driver_packages),
        )  # fmt: skip

    def table(self, name: str) -> JdbcTableSettings:
        config = self.tables.get(name)
        return JdbcTableSettings(**config.model_dump()) if config else JdbcTableSettings()


def _as_text_bounds(values: dict[str, Any]) -> dict[str, Any]:
    for key in ("lower_bound", "upper_bound"):
        if values[key] is not None:
            values[key] = str(values[key])
    return values
