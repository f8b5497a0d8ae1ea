"""The run's one SparkSession, through dagster-pyspark: local with Delta, Spark Connect, or the Databricks cluster's own.

`SparkResource` is dagster-pyspark's `LazyPySparkResource` (the session starts on first use, so runs that never
touch Spark never start a JVM) whose `spark_config` is derived from the environment's settings here: Delta's
extensions and jars, loopback binding, small-machine defaults, `spark.remote` for Spark Connect. The one thing the
package cannot build is a Databricks Connect session, which has its own builder.
"""

import os
import sys
from pathlib import Path
from typing import Any

from dagster_pyspark import LazyPySparkResource
from pydantic import Field, PrivateAttr
from pyspark.sql import SparkSession

from ..settings import SparkSettings
from ..settings.models import DATABRICKS_CONNECT
from .jars import delta_maven_coordinates

DELTA_SESSION_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}
# Small-machine defaults; config/env/*.yaml can override any of them.
LOCAL_DEFAULT_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    # Delta reconstructs table state with this many tasks; its default of 50 dominates small reads.
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.log.level": "WARN",
    # Arrow moves data between Spark and pandas (training sets, scoring) column-wise instead of row by row.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


class SparkSessionError(Exception):
    """The SparkSession could not be configured as asked."""


def spark_config(settings: SparkSettings, app_name: str = "lakehouse_assets", warehouse_dir: str | None = None) -> dict[str, str]:
    """Everything the session builder is given for `settings`, as flat Spark configuration.

    Local: master, Delta (offline jars, or Maven coordinates Spark resolves with Ivy) and the defaults above.
    Spark Connect: the URL and the runtime SQL conf only; Delta and JDBC drivers live on the server's classpath.
    On a Databricks cluster: nothing, the cluster's session is already configured.
    """
    if settings.mode == "databricks" or settings.remote == DATABRICKS_CONNECT:
        return {}
    if settings.mode == "connect":
        return {"spark.remote": str(settings.remote), **runtime_sql_conf(settings)}
    conf = {
        "spark.master": settings.master or "local[2]",
        "spark.app.name": app_name,
        **DELTA_SESSION_CONF,
        **LOCAL_DEFAULT_CONF,
        **settings.conf,
    }
    if warehouse_dir:
        conf.setdefault("spark.sql.warehouse.dir", warehouse_dir)
    if settings.delta_jars_dir:
        conf["spark.jars"] = ",".join(str(jar) for jar in local_jars(settings.delta_jars_dir))
    else:
        conf["spark.jars.packages"] = ",".join(delta_maven_coordinates(settings.packages))
    return conf


def runtime_sql_conf(settings: SparkSettings) -> dict[str, str]:
    """The part of the conf a remote session accepts after it exists: runtime SQL settings."""
    return {key: value for key, value in settings.conf.items() if key.startswith("spark.sql.")}


def build_spark_session(settings: SparkSettings, app_name: str = "lakehouse_assets", warehouse_dir: str | None = None) -> SparkSession:
    """Get or create the process's SparkSession for `settings`, exactly as a run's resource does."""
    return SparkResource.from_settings(settings, warehouse_dir=warehouse_dir, app_name=app_name).session


def databricks_connect_session(runtime_conf: dict[str, str]) -> Any:
    """Databricks Connect: serverless compute, or the cluster in DATABRICKS_CLUSTER_ID.

    Host and credentials come from DATABRICKS_HOST / DATABRICKS_TOKEN (or a ~/.databrickscfg profile chosen with
    DATABRICKS_CONFIG_PROFILE), read by Databricks Connect itself; nothing is passed through config files.
    """
    try:
        from databricks.connect import DatabricksSession
    except ImportError as error:
        raise SparkSessionError(
            "spark.remote 'databricks' needs Databricks Connect, which replaces pyspark: in a separate virtualenv "
            "install the project, then `pip uninstall -y pyspark && pip install 'databricks-connect==17.3.*'` "
            "(see docs/deploy_databricks.md)"
        ) from error
    builder = DatabricksSession.builder
    session = (builder if os.environ.get("DATABRICKS_CLUSTER_ID") else builder.serverless()).getOrCreate()
    for key, value in runtime_conf.items():
        session.conf.set(key, value)
    return session


def local_jars(directory: str) -> list[Path]:
    """The jars of an offline Delta folder (see `lakehouse fetch-jars`), checked before Spark starts."""
    folder = Path(directory).expanduser()
    jars = sorted(folder.glob("*.jar"))
    if not any("delta-spark_" in jar.name for jar in jars):
        raise SparkSessionError(
            f"spark.delta_jars_dir {folder} holds no delta-spark jar; fill it with `lakehouse fetch-jars --dest {folder}` "
            "or unset it (and LAKEHOUSE_DELTA_JARS_DIR) to resolve the jars from Maven Central"
        )
    return jars


class SparkResource(LazyPySparkResource):
    """dagster-pyspark's lazy SparkSession, configured for this project's environments (see the module docstring)."""

    spark_config: dict[str, Any] = Field(
        default_factory=dict, description="Flat Spark configuration the session is built with (from config/env/*.yaml)."
    )
    databricks_connect: bool = Field(default=False, description="Build the session with Databricks Connect.")
    databricks_conf: dict[str, str] = Field(
        default_factory=dict, description="Runtime SQL conf set on a Databricks Connect session."
    )

    _remote_session: Any = PrivateAttr(default=None)

    @classmethod
    def from_settings(
        cls, settings: SparkSettings, warehouse_dir: str | None = None, app_name: str = "lakehouse_assets"
    ) -> "SparkResource":
        connect_to_databricks = settings.mode == "connect" and settings.remote == DATABRICKS_CONNECT
        return cls(
            spark_config=spark_config(settings, app_name, warehouse_dir),
            databricks_connect=connect_to_databricks,
            databricks_conf=runtime_sql_conf(settings) if connect_to_databricks else {},
        )

    @property
    def spark_session(self) -> Any:
        if self.databricks_connect:
            if self._remote_session is None:
                self._remote_session = databricks_connect_session(self.databricks_conf)
            return self._remote_session
        if str(self.spark_config.get("spark.master", "")).startswith("local"):
            # Everything a local session serves (driver, block manager, UI) stays on loopback, and Python UDFs
            # (model scoring) run in worker processes with the interpreter that has this project's packages.
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        elif "spark.master" in self.spark_config:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        return super().spark_session

    @property
    def session(self) -> SparkSession:
        """The run's SparkSession (classic or Connect), started on first use."""
        return self.spark_session
